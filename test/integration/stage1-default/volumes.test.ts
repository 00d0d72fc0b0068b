// Volumes in default-stage1 pods: an empty volume shared by two apps, a read-only host
// volume, and an image mount point with no volume getting an implicit empty one.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Env } from './default-pod.ts';
import { assertNothingLeft, makeEnv, outLines, runPod, skipUnlessDefaultStage1 } from './default-pod.ts';

const skip = skipUnlessDefaultStage1();
let env: Env;
let image = '';
let withMountPoint = '';

describe('default stage1: volumes', { skip }, () => {
  before(async () => {
    env = makeEnv('skiff-vol-');
    image = await env.images.aci({ name: 'example.com/vol', exec: ['/bin/true'] });
    withMountPoint = await env.images.aci({ name: 'example.com/mp', exec: ['/bin/true'], mountPoints: [{ name: 'cache', path: '/var/cache/app' }] });
  });
  after(() => env?.cleanup());

  it('two apps share an empty volume', async () => {
    const res = await runPod(env, ['--net=none', '--volume=shared,kind=empty,mode=0770,uid=1000,gid=1000',
      image, '--name=writer', '--mount=volume=shared,target=/data', '--exec=/bin/sh', '--', '-c', 'echo from-writer > /data/note', '---',
      image, '--name=reader', '--mount=volume=shared,target=/srv/in', '--exec=/bin/sh', '--', '-c', 'sleep 0.5; cat /srv/in/note; stat -c "%a %u %g" /srv/in']);
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(outLines(res.stdout), ['from-writer', '770 1000 1000']);
    assertNothingLeft(res.uuid);
  });

  it('a read-only host volume: readable, not writable, the host file untouched', async () => {
    const src = path.join(env.tmp.path, 'host-src');
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, 'config'), 'host config\n');
    const res = await runPod(env, ['--net=none', `--volume=cfg,kind=host,source=${src},readOnly=true`,
      image, '--mount=volume=cfg,target=/etc/app', '--exec=/bin/sh', '--', '-c', 'cat /etc/app/config; echo x > /etc/app/new || echo refused']);
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(outLines(res.stdout), ['host config', 'refused']);
    assert.match(res.stderr, /Read-only file system/);
    assert.deepEqual(fs.readdirSync(src), ['config']);
  });

  it('a writable host volume is the host directory', async () => {
    const src = path.join(env.tmp.path, 'host-rw');
    fs.mkdirSync(src);
    const res = await runPod(env, ['--net=none', `--volume=out,kind=host,source=${src}`, image, '--mount=volume=out,target=/out', '--exec=/bin/sh', '--', '-c', 'echo written > /out/result']);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(fs.readFileSync(path.join(src, 'result'), 'utf8'), 'written\n');
  });

  it('an image mount point without a volume gets an empty one, with a warning', async () => {
    const res = await runPod(env, ['--net=none', withMountPoint, '--exec=/bin/sh', '--', '-c', 'touch /var/cache/app/x && grep -c " /var/cache/app " /proc/mounts']);
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(outLines(res.stdout), ['1']);
    assert.match(res.stderr, /mount point cache has no volume; it gets an empty one/);
  });
});
