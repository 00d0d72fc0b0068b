import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PodManifest, RuntimeApp } from '../../../../common/appc-types.ts';
import { parseMountinfo, planVolumeMounts, submountsUnder } from '../../../../stage1/common/mount-plan.ts';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../fixtures/stage1');
const readPod = (): PodManifest => JSON.parse(fs.readFileSync(path.join(fixtures, 'pod-fly.json'), 'utf8')) as PodManifest;

function planOf(pod: PodManifest) {
  const runtime = pod.apps[0] as RuntimeApp;
  return planVolumeMounts(pod, runtime, runtime.app!);
}

test('mounts, mount points and implicit volumes, parents first', () => {
  assert.deepEqual(planOf(readPod()), [
    // depth 1
    { volume: 'data', source: { kind: 'host', path: '/srv/data' }, target: '/data', readOnly: true, recursive: true },
    // depth 2, manifest order
    { volume: 'work', source: { kind: 'host', path: '/srv/work' }, target: '/work/in', readOnly: false, recursive: false },
    { volume: 'scratch', source: { kind: 'empty', volume: 'scratch', mode: 0o1777, uid: 1000, gid: 1000 }, target: '/tmp/scratch', readOnly: false, recursive: false },
    // depth 3: mount points no mount covers
    { volume: 'cache', source: { kind: 'empty', volume: 'cache', mode: 0o755, uid: 0, gid: 0 }, target: '/var/cache/tool', readOnly: false, recursive: false },
    { volume: 'logs', source: { kind: 'host', path: '/var/log/pods/tool' }, target: '/var/log/tool', readOnly: true, recursive: true },
  ]);
});

test('read-only: the volume decides, else the mount point', () => {
  const pod = readPod();
  pod.volumes![0]!.readOnly = false; // data: the mount point says read-only, the volume says no
  const data = planOf(pod).find((m) => m.volume === 'data');
  assert.equal(data?.readOnly, false);
});

test('a mount of an undefined volume, a relative host source, a bad mode, two volumes at one path', () => {
  const missing = readPod();
  (missing.apps[0] as RuntimeApp).mounts!.push({ volume: 'ghost', path: '/ghost' });
  assert.throws(() => planOf(missing), /mounts volume "ghost", which the pod does not define/);
  const relative = readPod();
  relative.volumes![0]!.source = 'srv/data';
  assert.throws(() => planOf(relative), /host volume data needs an absolute source path/);
  const mode = readPod();
  (mode.apps[0] as RuntimeApp).mounts![2]!.appVolume!.mode = 'rwx';
  assert.throws(() => planOf(mode), /give an octal mode/);
  const twice = readPod();
  (twice.apps[0] as RuntimeApp).mounts![1]!.path = '/data/';
  assert.throws(() => planOf(twice), /two volumes mounted at \/data/);
});

test('no mounts and no mount points: nothing to mount', () => {
  const pod = readPod();
  const runtime = pod.apps[0] as RuntimeApp;
  delete runtime.mounts;
  delete runtime.app!.mountPoints;
  assert.deepEqual(planVolumeMounts(pod, runtime, runtime.app!), []);
});

const MOUNTINFO = [
  '22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw',
  '45 22 254:0 /srv/data /pod/rootfs/data ro,relatime - ext4 /dev/vda rw',
  '46 45 0:40 / /pod/rootfs/data/sub ro,relatime - tmpfs tmpfs rw',
  '47 46 0:41 / /pod/rootfs/data/sub/deeper rw - tmpfs tmpfs rw',
  '48 22 0:42 / /pod/rootfs/data2 rw - tmpfs tmpfs rw',
  '49 45 0:43 / /pod/rootfs/data/with\\040space rw - tmpfs tmpfs rw',
  '',
].join('\n');

test('mountinfo: mount points decoded, submounts strictly below a target', () => {
  assert.equal(parseMountinfo(MOUNTINFO).length, 6);
  assert.deepEqual(submountsUnder(MOUNTINFO, '/pod/rootfs/data'), [
    '/pod/rootfs/data/sub',
    '/pod/rootfs/data/sub/deeper',
    '/pod/rootfs/data/with space',
  ]);
});
