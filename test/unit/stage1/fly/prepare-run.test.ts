// The whole fly `run` preparation against a recording Host: what gets mounted, in which
// order, what is written, and the exec chain that comes out. No root needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PodManifest, RuntimeApp } from '../../../../common/appc-types.ts';
import { parseAppName, parseVolumeName } from '../../../../common/ids.ts';
import { appRootfsPath, emptyVolumePath, podManifestPath, podPidPath, podResolvConfPath, podStartedPath } from '../../../../common/layout.ts';
import { createSilentLogger } from '../../../../common/log.ts';
import { parseRunArgs } from '../../../../stage1/common/entrypoint-args.ts';
import { prepareRun } from '../../../../stage1/fly/prepare-run.ts';
import { createFakeHost } from '../../../helpers/fake-host.ts';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../fixtures/stage1');
const UUID = '0b1c7f0e-4f4b-4c37-9a39-6b7f1d2b9c11';
const TOOLS = { setpriv: '/sbin/setpriv', unshare: '/sbin/unshare' };
const hasFlock = spawnSync('flock', ['--version']).status === 0;

interface Pod { podRoot: string; appRoot: string; src: string; lockFd: number }

function makePod(t: { after: (fn: () => void) => void }, edit: (m: PodManifest) => void = () => {}, lock = true): Pod {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-flyprep-'));
  const podRoot = path.join(dir, UUID);
  const appRoot = appRootfsPath(podRoot, parseAppName('tool'));
  const src = path.join(dir, 'src');
  for (const d of ['data/sub', 'work', 'logs']) fs.mkdirSync(path.join(src, d), { recursive: true });
  for (const d of ['bin', 'etc', 'home/app']) fs.mkdirSync(path.join(appRoot, d), { recursive: true });
  fs.writeFileSync(path.join(appRoot, 'bin/tool'), '', { mode: 0o755 });
  fs.copyFileSync(path.join(fixtures, 'passwd'), path.join(appRoot, 'etc/passwd'));
  fs.copyFileSync(path.join(fixtures, 'group'), path.join(appRoot, 'etc/group'));
  const m = JSON.parse(fs.readFileSync(path.join(fixtures, 'pod-fly.json'), 'utf8')) as PodManifest;
  const [data, work, logs] = m.volumes!;
  data!.source = path.join(src, 'data');
  work!.source = path.join(src, 'work');
  logs!.source = path.join(src, 'logs');
  // An empty volume owned by whoever runs the test, so no root is needed to chown it.
  Object.assign((m.apps[0] as RuntimeApp).mounts![2]!.appVolume!, { uid: process.getuid?.(), gid: process.getgid?.() });
  edit(m);
  fs.writeFileSync(podManifestPath(podRoot), JSON.stringify(m));
  // The implicit volume for mount point `cache` is root-owned: made beforehand when not root
  // (as another app of the pod would have), it is used as it is.
  if (process.getuid?.() !== 0) fs.mkdirSync(emptyVolumePath(podRoot, parseVolumeName('cache')), { recursive: true });
  const lockFd = fs.openSync(podRoot, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  if (lock) assert.equal(spawnSync('flock', ['-x', '-n', '0'], { stdio: [lockFd, 'ignore', 'inherit'] }).status, 0);
  t.after(() => {
    fs.closeSync(lockFd);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return { podRoot, appRoot, src, lockFd };
}

async function prepare(pod: Pod, args: string[] = [], mountinfo = '') {
  const host = createFakeHost({ procFiles: (name) => (name === 'self/mountinfo' ? mountinfo : '') });
  const ctx = { podRoot: pod.podRoot, log: await createSilentLogger(), host };
  const run = () => prepareRun(ctx, { opts: parseRunArgs([...args, UUID]), appPid: 4242, lockFd: pod.lockFd, tools: TOOLS }).cmd;
  return { host, run };
}

test('fly run: system mounts, then volumes parents first, then pid and started; the exec chain', { skip: !hasFlock && 'needs flock (util-linux)' }, async (t) => {
  const pod = makePod(t);
  fs.mkdirSync(path.dirname(podResolvConfPath(pod.podRoot)), { recursive: true });
  fs.writeFileSync(podResolvConfPath(pod.podRoot), 'nameserver 192.0.2.1\n');
  const r = pod.appRoot;
  const { host, run } = await prepare(pod, ['--hostname=ignored', '--net=host'], `1 0 0:1 / ${r}/data rw - x x rw\n2 1 0:2 / ${r}/data/sub rw - x x rw\n`);
  const cmd = run();
  const slave = (recursive: boolean) => [recursive ? '--rbind' : '--bind', '--make-rslave'];
  const ro = (target: string) => ({ op: 'mount', source: 'none', target, options: 'remount,bind,ro' });
  assert.deepEqual(host.calls, [
    { op: 'mount', source: '/proc', target: `${r}/proc`, flags: slave(true) },
    { op: 'mount', source: '/sys', target: `${r}/sys`, flags: slave(true) },
    { op: 'mount', source: '/dev', target: `${r}/dev`, flags: slave(true) },
    { op: 'mount', source: path.join(pod.src, 'data'), target: `${r}/data`, flags: slave(true) },
    ro(`${r}/data`),
    ro(`${r}/data/sub`),
    { op: 'mount', source: path.join(pod.src, 'work'), target: `${r}/work/in`, flags: slave(false) },
    { op: 'mount', source: emptyVolumePath(pod.podRoot, parseVolumeName('scratch')), target: `${r}/tmp/scratch`, flags: slave(false) },
    { op: 'mount', source: emptyVolumePath(pod.podRoot, parseVolumeName('cache')), target: `${r}/var/cache/tool`, flags: slave(false) },
    { op: 'mount', source: path.join(pod.src, 'logs'), target: `${r}/var/log/tool`, flags: slave(true) },
    ro(`${r}/var/log/tool`),
  ]);
  assert.deepEqual(cmd, {
    file: '/sbin/setpriv',
    args: ['/sbin/setpriv', '--regid=1000', '--clear-groups', '--', '/sbin/unshare', `--root=${r}`, '--wd=/work', '--setuid=1000', '--', '/bin/tool', '--serve'],
    env: { GREETING: 'hello', AC_APP_NAME: 'tool', PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/home/app' },
  });
  assert.equal(fs.readFileSync(podPidPath(pod.podRoot), 'utf8'), '4242\n');
  assert.ok(fs.existsSync(podStartedPath(pod.podRoot)));
  assert.equal(fs.readFileSync(path.join(r, 'etc/resolv.conf'), 'utf8'), 'nameserver 192.0.2.1\n');
  assert.ok(fs.statSync(path.join(r, 'work')).isDirectory(), 'the working directory is created');
});

test('fly run: no lock, nothing touched', { skip: !hasFlock && 'needs flock (util-linux)' }, async (t) => {
  const pod = makePod(t, undefined, false);
  const { host, run } = await prepare(pod);
  assert.throws(run, /holds no exclusive lock on the pod directory/);
  assert.deepEqual(host.calls, []);
  assert.equal(fs.existsSync(podPidPath(pod.podRoot)), false);
});

test('fly run: a command missing from the image is 127 and no pid is written', { skip: !hasFlock && 'needs flock (util-linux)' }, async (t) => {
  const pod = makePod(t, (m) => { (m.apps[0] as RuntimeApp).app!.exec = ['/bin/tool-not-here']; });
  const { run } = await prepare(pod);
  assert.throws(run, (err: { code?: string; message?: string }) => err.code === 'APP_NOT_FOUND' && /\/bin\/tool-not-here not found in the image/.test(err.message ?? ''));
  assert.equal(fs.existsSync(podPidPath(pod.podRoot)), false);
});

test('fly run: two apps are refused before anything is mounted', { skip: !hasFlock && 'needs flock (util-linux)' }, async (t) => {
  const pod = makePod(t, (m) => { m.apps.push({ ...m.apps[0]!, name: 'second' }); });
  const { host, run } = await prepare(pod);
  assert.throws(run, /the fly stage1 runs exactly one app/);
  assert.deepEqual(host.calls, []);
});
