// What an app of a default-stage1 pod sees from inside: only the pod's processes, the pod's
// hostname, loopback alone with --net=none, its own root with the system file systems and
// the pod's /etc files. Apps of one pod share the PID, UTS, IPC and network namespaces.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Env } from './default-pod.ts';
import { assertNothingLeft, makeEnv, outLines, runPod, skipUnlessDefaultStage1 } from './default-pod.ts';

const skip = skipUnlessDefaultStage1();
let env: Env;
let image = '';

describe('default stage1: isolation', { skip }, () => {
  before(async () => {
    env = makeEnv('skiff-isolation-');
    image = await env.images.aci({ name: 'example.com/probe', exec: ['/bin/true'] });
  });
  after(() => env?.cleanup());

  it('ps shows only the pod: the sandbox as pid 1 and the app', async () => {
    const res = await runPod(env, ['--net=none', image, '--exec=/bin/ps', '--', '-o', 'pid,comm']);
    assert.equal(res.code, 0, res.stderr);
    const procs = outLines(res.stdout).slice(1).map((l) => l.split(/\s+/));
    assert.deepEqual(procs[0], ['1', 'catatonit']);
    assert.deepEqual(procs.slice(1).map((p) => p[1]), ['ps'], res.stdout);
    assertNothingLeft(res.uuid);
  });

  it('two apps share the PID and UTS namespaces: each sees the other', async () => {
    const res = await runPod(env, ['--net=none', '--hostname=shared-host',
      image, '--name=sleeper', '--exec=/bin/sleep', '--', '1', '---',
      image, '--name=looker', '--exec=/bin/sh', '--', '-c', 'sleep 0.5; ps -o comm; hostname']);
    assert.equal(res.code, 0, res.stderr);
    const words = outLines(res.stdout);
    assert.ok(words.includes('sleep'), res.stdout);
    assert.equal(words.at(-1), 'shared-host');
  });

  it('the hostname is skiff-<uuid> by default, --hostname otherwise, and /etc/hostname and /etc/hosts say so', async () => {
    const def = await runPod(env, ['--net=none', image, '--exec=/bin/sh', '--', '-c', 'hostname; cat /etc/hostname']);
    assert.equal(def.code, 0, def.stderr);
    assert.deepEqual(outLines(def.stdout), [`skiff-${def.uuid}`, `skiff-${def.uuid}`]);
    const named = await runPod(env, ['--net=none', '--hostname=web-1', image, '--exec=/bin/sh', '--', '-c', 'hostname; cat /etc/hosts']);
    assert.equal(named.code, 0, named.stderr);
    const lines = outLines(named.stdout);
    assert.equal(lines[0], 'web-1');
    assert.ok(lines.some((l) => /^127\.0\.0\.1\s.*\bweb-1\b/.test(l)), named.stdout);
  });

  it('--net=none: loopback only, and up', async () => {
    const res = await runPod(env, ['--net=none', image, '--exec=/bin/ip', '--', '-o', 'link']);
    assert.equal(res.code, 0, res.stderr);
    const links = outLines(res.stdout);
    assert.equal(links.length, 1, res.stdout);
    assert.match(links[0]!, /^1: lo: <LOOPBACK,UP/);
  });

  it('--net=host: the host’s interfaces', async () => {
    const res = await runPod(env, ['--net=host', image, '--exec=/bin/ip', '--', '-o', 'link']);
    assert.equal(res.code, 0, res.stderr);
    assert.ok(outLines(res.stdout).length > 1, res.stdout);
  });

  it('/proc, a read-only /sys, /dev with its usual nodes, /dev/shm and /dev/pts, /etc/mtab', async () => {
    const script = [
      'for d in null zero full random urandom tty ptmx; do [ -e /dev/$d ] || echo missing /dev/$d; done',
      'grep -q " /dev/shm " /proc/mounts || echo missing shm',
      'grep -q " /dev/pts " /proc/mounts || echo missing pts',
      'touch /sys/x 2>/dev/null && echo sys writable',
      '[ -e /etc/mtab ] || echo missing mtab',
      'cat /proc/self/status | grep -q "^NoNewPrivs" && echo ok',
    ].join('; ');
    const res = await runPod(env, ['--net=none', image, '--exec=/bin/sh', '--', '-c', script]);
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(outLines(res.stdout), ['ok']);
  });
});
