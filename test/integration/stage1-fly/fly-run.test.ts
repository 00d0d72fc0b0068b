// The fly stage1's entrypoints, run directly on a hand-made pod directory (no stage0): the
// built stage1 ACI, a busybox app, the pod lock on fd 3. Needs root (mounts, setuid).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findFlockHolder, parseProcLocks } from '../../../common/proc-locks.ts';
import { parseVolumeName } from '../../../common/ids.ts';
import { emptyVolumePath, podPidPath, podResolvConfPath, podStartedPath } from '../../../common/layout.ts';
import { buildStage1Images } from '../../../stage1-images/build-stage1-images.ts';
import { missingTools } from '../../helpers/images.ts';
import { APP, lockIsFree, makeFlyPod, prepareBusybox, removeTree, runEntrypoint, runPod, startRun } from './fly-pod.ts';
import type { FlyPod, PodSpec } from './fly-pod.ts';

const missing = missingTools('busybox', 'setpriv', 'unshare', 'flock', 'mount', 'tar');
const skip = process.getuid?.() !== 0 ? 'needs root (mounts, setuid)' : missing.length > 0 ? `needs ${missing.join(', ')}` : false;

describe('fly stage1', { skip }, () => {
  let base = '';
  let aci = '';
  let busybox = '';

  before(async () => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-fly-'));
    const [fly] = await buildStage1Images(path.join(base, 'dist'), { flavors: ['fly'] });
    aci = fly!.path;
    busybox = await prepareBusybox(base);
  });
  after(() => removeTree(base));

  const pod = (spec: PodSpec): Promise<FlyPod> => makeFlyPod(base, aci, spec, busybox);
  const sh = (script: string): Partial<PodSpec['app']> => ({ exec: ['/bin/sh', '-c', script] });

  test('the app\'s output and exit status pass through; pid and started are written', async () => {
    const p = await pod({ app: { ...sh('echo "hello from $AC_APP_NAME"; echo $$ > /tmp/mypid; exit 7') } });
    const res = await runPod(p);
    assert.equal(res.stdout, 'hello from app\n');
    assert.equal(res.code, 7, res.stderr);
    assert.equal(fs.readFileSync(podPidPath(p.dir), 'utf8').trim(), fs.readFileSync(path.join(p.appRoot, 'tmp/mypid'), 'utf8').trim());
    assert.equal(fs.statSync(podStartedPath(p.dir)).size, 0);
  });

  test('user, groups and environment come from the app and its image', async () => {
    const p = await pod({
      app: {
        ...sh('id -u; id -g; id -G; grep -E "^(Uid|Gid):" /proc/self/status; echo "$AC_APP_NAME|$PATH|$GREETING|$HOME"; pwd'),
        user: 'app',
        group: 'media',
        supplementaryGIDs: [2000],
        workingDirectory: '/home/app/new',
        environment: [{ name: 'GREETING', value: 'hi there' }],
      },
    });
    const res = await runPod(p);
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(res.stdout.split('\n'), [
      '1000', '1001', '1001 2000',
      'Uid:\t1000\t1000\t1000\t1000', 'Gid:\t1001\t1001\t1001\t1001',
      'app|/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin|hi there|/home/app',
      '/home/app/new', '',
    ]);
  });

  test('resolv.conf and hosts written by stage0 are copied into the app', async () => {
    const p = await pod({ app: sh('cat /etc/resolv.conf /etc/hosts') });
    fs.mkdirSync(path.dirname(podResolvConfPath(p.dir)), { recursive: true });
    fs.writeFileSync(podResolvConfPath(p.dir), 'nameserver 192.0.2.53\n');
    const res = await runPod(p, ['--dns-conf-mode=resolv=stage0,hosts=default']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /^nameserver 192\.0\.2\.53\n127\.0\.0\.1\tlocalhost/);
  });

  test('volumes: read-only and read-write host volumes, an empty volume, /proc of the host', async () => {
    const src = fs.mkdtempSync(path.join(base, 'vol-'));
    fs.mkdirSync(path.join(src, 'ro'));
    fs.mkdirSync(path.join(src, 'rw'));
    fs.writeFileSync(path.join(src, 'ro/file'), 'from host\n');
    const p = await pod({
      app: {
        ...sh('cat /ro/file; touch /ro/x 2>/dev/null && echo ro-writable; echo out > /rw/out; touch /scratch/s; stat -c %a /scratch; test -e /proc/1/status && echo proc'),
        mountPoints: [{ name: 'scratch', path: '/scratch' }],
      },
      volumes: [
        { name: 'ro', kind: 'host', source: path.join(src, 'ro'), readOnly: true },
        { name: 'rw', kind: 'host', source: path.join(src, 'rw') },
      ],
      mounts: [{ volume: 'ro', path: '/ro' }, { volume: 'rw', path: '/rw' }],
    });
    const res = await runPod(p);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout, 'from host\n755\nproc\n');
    assert.equal(fs.readFileSync(path.join(src, 'rw/out'), 'utf8'), 'out\n');
    assert.ok(fs.existsSync(path.join(emptyVolumePath(p.dir, parseVolumeName('scratch')), 's')));
  });

  test('the app holds the pod lock for its whole life; stop signals it', async () => {
    const p = await pod({ app: sh('echo ready; while :; do sleep 1; done') });
    const { child, done } = startRun(p, ['--debug']);
    await new Promise<void>((resolve) => child.stdout?.once('data', () => resolve()));
    const pid = child.pid!;
    assert.equal(fs.readFileSync(podPidPath(p.dir), 'utf8').trim(), String(pid));
    assert.equal(fs.readlinkSync(`/proc/${pid}/root`), p.appRoot);
    assert.match(fs.readFileSync(`/proc/${pid}/fdinfo/3`, 'utf8'), /^lock:\s+\d+: FLOCK\s+ADVISORY\s+WRITE /m);
    const st = fs.statSync(p.dir);
    assert.ok(findFlockHolder(parseProcLocks(fs.readFileSync('/proc/locks', 'utf8')), st.dev, st.ino));
    assert.equal(lockIsFree(p.dir), false);

    const enter = await runEntrypoint(p, 'enter', [`--app=${APP}`, p.uuid, '--', 'sh', '-c', 'echo "$AC_APP_NAME $(id -u) $(pwd)"; exit 3']);
    assert.equal(enter.code, 3, enter.stderr);
    assert.equal(enter.stdout, 'app 0 /\n');

    const stop = await runEntrypoint(p, 'stop', [p.uuid]);
    assert.equal(stop.code, 0, stop.stderr);
    const res = await done;
    assert.equal(res.signal, 'SIGTERM');
    assert.match(res.stderr, /skiff-stage1: debug: exec /, 'the line logged before the exec arrived');
    assert.equal(lockIsFree(p.dir), true);
    // Stopping a stopped pod is not an error, and neither is a second gc.
    assert.equal((await runEntrypoint(p, 'stop', ['--force', p.uuid])).code, 0);
    for (let i = 0; i < 2; i++) assert.equal((await runEntrypoint(p, 'gc', ['--debug', p.uuid])).code, 0);
  });

  test('127 when the command is not in the image, 126 when it cannot run', async () => {
    const missingCmd = await runPod(await pod({ app: { exec: ['/usr/bin/nope'] } }));
    assert.equal(missingCmd.code, 127);
    assert.equal(missingCmd.stderr, 'skiff-stage1: /usr/bin/nope not found in the image (check the image or give another command with --exec)\n');
    const notExec = await runPod(await pod({ app: { exec: ['/etc/passwd'] } }));
    assert.equal(notExec.code, 126);
    assert.match(notExec.stderr, /^skiff-stage1: \/etc\/passwd in the image cannot be executed/);
  });

  test('a pod of two apps, or without the lock, is refused with 125', async () => {
    const two = await runPod(await pod({ app: {}, extraApps: 1 }));
    assert.equal(two.code, 125);
    assert.match(two.stderr, /^skiff-stage1: the fly stage1 runs exactly one app, and this pod has 2/);
    const p = await pod({ app: {} });
    const { spawn } = await import('node:child_process');
    const { collect } = await import('./fly-pod.ts');
    const unlocked = await collect(spawn(p.entrypoint('run'), [p.uuid], {
      cwd: p.dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, SKIFF_LOCK_FD: '3', SKIFF_NODE: process.execPath },
    }));
    assert.equal(unlocked.code, 125);
    // Node opens fds of its own, so fd 3 may be open, just not on the pod directory.
    assert.match(unlocked.stderr, /^skiff-stage1: (the pod lock fd 3 is not open|fd 3 is not open on the pod directory)/);
  });
});
