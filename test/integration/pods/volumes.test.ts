// Volumes and mounts with the fly stage1: a host directory bound read-write (what the app
// writes is on the host), read-only (writes fail, the app exits non-zero), a kind=empty
// volume backed by the pod's own volumes/<name>, and a mount point declared by the image.
// gc unmounts every volume (and deletes no host file through one).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runSkiff, tempDir } from '../../helpers/cli.ts';
import type { TempDir } from '../../helpers/cli.ts';
import { ImageMaker, dirsOf, mountsUnder, podDataDir, podDirs, runFly, skipUnlessPods } from './pod-helpers.ts';

const skip = skipUnlessPods();

let tmp: TempDir;
let data: TempDir;
let image = '';
let declared = '';

/** The UUID of the only pod created by `fn`. */
async function newPod<T>(fn: () => Promise<T>): Promise<{ uuid: string; result: T }> {
  const before = new Set(podDirs(data.path));
  const result = await fn();
  const created = podDirs(data.path).filter((d) => !before.has(d));
  assert.equal(created.length, 1, `pods created: ${created.join(', ')}`);
  return { uuid: created[0]!.split('/')[1]!, result };
}

describe('fly run: volumes', { skip }, () => {
  before(async () => {
    tmp = tempDir('skiff-volumes-');
    data = podDataDir();
    const maker = new ImageMaker(tmp.path);
    image = await maker.aci({ name: 'example.com/vol', exec: ['/bin/true'] });
    declared = await maker.aci({
      name: 'example.com/vol-declared',
      exec: ['/bin/sh', '-c', 'cat /conf/setting'],
      mountPoints: [{ name: 'conf', path: '/conf', readOnly: true }],
    });
  });
  after(() => {
    data?.cleanup();
    tmp?.cleanup();
  });

  it('a host volume mounted read-write: what the app writes appears on the host', async () => {
    const host = fs.mkdtempSync(path.join(tmp.path, 'host-'));
    fs.writeFileSync(path.join(host, 'from-host'), 'hello from the host\n');
    const { uuid, result: res } = await newPod(() =>
      runFly(data.path, [
        `--volume=data,kind=host,source=${host}`,
        image, '--mount=volume=data,target=/data', '--exec=/bin/sh', '--', '-c', 'cat /data/from-host && echo written > /data/from-app',
      ]),
    );
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout, 'hello from the host\n');
    assert.equal(fs.readFileSync(path.join(host, 'from-app'), 'utf8'), 'written\n');
    // gc unmounts the volume and deletes the pod, never the host's files.
    assert.equal((await runSkiff(['gc', '--grace-period=0s'], { dataDir: data.path })).code, 0);
    assert.deepEqual(dirsOf(data.path, uuid), []);
    assert.deepEqual(mountsUnder(data.path), []);
    assert.deepEqual(fs.readdirSync(host).sort(), ['from-app', 'from-host']);
  });

  it('a read-only host volume: a write fails and the app exits non-zero', async () => {
    const host = fs.mkdtempSync(path.join(tmp.path, 'ro-'));
    const res = await runFly(data.path, [
      `--volume=data,kind=host,source=${host},readOnly=true`,
      image, '--mount=volume=data,target=/data', '--exec=/bin/sh', '--', '-c', 'echo x > /data/nope',
    ]);
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, /Read-only file system/);
    assert.deepEqual(fs.readdirSync(host), []);
  });

  it('a kind=empty volume is a fresh directory in the pod, shared with nothing on the host', async () => {
    const { uuid, result: res } = await newPod(() =>
      runFly(data.path, [
        '--volume=scratch,kind=empty',
        image, '--mount=volume=scratch,target=/scratch', '--exec=/bin/sh', '--', '-c', 'ls -A /scratch; echo kept > /scratch/f; cat /scratch/f',
      ]),
    );
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout, 'kept\n', 'empty at first, then writable');
    const backing = path.join(data.path, 'pods', 'run', uuid, 'volumes', 'scratch', 'f');
    assert.equal(fs.readFileSync(backing, 'utf8'), 'kept\n');
  });

  it("a volume named by the image's mount point is mounted without --mount", async () => {
    const host = fs.mkdtempSync(path.join(tmp.path, 'conf-'));
    fs.writeFileSync(path.join(host, 'setting'), 'on\n');
    const res = await runFly(data.path, [`--volume=conf,kind=host,source=${host}`, declared]);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout, 'on\n');
  });

  it('a host volume whose source does not exist fails with one line and leaves no mount', async () => {
    const missing = path.join(tmp.path, 'does-not-exist');
    const res = await runFly(data.path, [`--volume=data,kind=host,source=${missing}`, image, '--mount=volume=data,target=/data']);
    assert.equal(res.code, 125, res.stderr);
    assert.match(res.stderr, /does-not-exist/);
    assert.equal(res.stderr.trim().split('\n').length, 1, res.stderr);
    assert.equal(fs.existsSync(missing), false, 'skiff does not create a host source');
  });
});
