// A fly pod's life seen from outside (docs/pod-lifecycle.md): running while its app holds the
// pod lock (the app is the very process skiff was started as), stopped by `stop` (SIGTERM, the
// grace period, then SIGKILL) or `stop --force`, exited when killed outright and then
// collected by gc with nothing left mounted; `status --wait`; gc cleaning up after a prepare
// that died; and the commands that need root saying so.
import { spawn, spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SKIFF_BIN, fetchOk, lines, runSkiff, skiffOk, startSkiff, tempDir } from '../../helpers/cli.ts';
import type { RunResult, Started, TempDir } from '../../helpers/cli.ts';
import {
  FLY, INSECURE, ImageMaker, dirsOf, mountsUnder, oneLine, podDataDir, podDirs, prepareFly, skipUnlessPods, statusOf, waitFor,
} from './pod-helpers.ts';

const skip = skipUnlessPods();

let tmp: TempDir;
let data: TempDir;
let image = '';
let big = '';

interface RunningPod {
  uuid: string;
  proc: Started;
}

/** `skiff run` in the background; resolves once the pod is running (its app started). */
async function startPod(appWords: readonly string[]): Promise<RunningPod> {
  const before = new Set(podDirs(data.path));
  const proc = startSkiff([INSECURE, 'run', FLY, image, ...appWords], { dataDir: data.path });
  const uuid = await waitFor('the pod to be running', async () => {
    const dir = podDirs(data.path).find((d) => d.startsWith('run/') && !before.has(d));
    if (!dir) return undefined;
    const id = dir.split('/')[1]!;
    return (await statusOf(data.path, id)).state === 'running' && fs.existsSync(path.join(data.path, 'pods', 'run', id, 'started')) ? id : undefined;
  });
  return { uuid, proc };
}

/** Whether /proc/locks has an exclusive flock on the directory (by inode; its pid is whoever took it, flock(1)). */
function isFlocked(dir: string): boolean {
  const st = fs.statSync(dir);
  return fs
    .readFileSync('/proc/locks', 'utf8')
    .split('\n')
    .map((l) => l.split(/\s+/))
    .some((f) => f[1] === 'FLOCK' && f[3] === 'WRITE' && f[5]?.split(':')[2] === String(st.ino));
}

function cmdline(pid: number): string[] {
  return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
}

async function finished(p: Started): Promise<RunResult> {
  return p.done;
}

describe('pod lifecycle', { skip }, () => {
  before(async () => {
    tmp = tempDir('skiff-life-');
    data = podDataDir();
    const maker = new ImageMaker(tmp.path);
    image = await maker.aci({ name: 'example.com/life' });
    const files: Record<string, string> = {};
    for (let i = 0; i < 3000; i++) files[`/data/d${i % 30}/f${i}`] = `file ${i}\n`;
    big = await maker.aci({ name: 'example.com/big', extraFiles: files });
    await fetchOk(data.path, [image, big]);
  });
  after(() => {
    data?.cleanup();
    tmp?.cleanup();
  });

  it('a running pod: state=running, and its pid is the app, the process skiff was started as, holding the lock', async () => {
    const pod = await startPod(['--exec=/bin/sleep', '--', '30']);
    try {
      const st = await statusOf(data.path, pod.uuid);
      assert.equal(st.state, 'running');
      assert.equal(st.exited, 'false');
      assert.equal(st.pid, String(pod.proc.pid), 'the exec chain goes all the way: the app has skiff’s pid');
      assert.deepEqual(cmdline(pod.proc.pid), ['/bin/sleep', '30']);
      const root = path.join(data.path, 'pods', 'run', pod.uuid);
      assert.ok(isFlocked(root), 'the pod directory is locked');
      assert.equal(fs.readlinkSync(`/proc/${pod.proc.pid}/fd/3`), root, 'the app holds the locked pod directory on fd 3');
      const json = JSON.parse(await skiffOk(data.path, ['status', '--format=json', pod.uuid])) as { pid: number; state: string };
      assert.equal(json.pid, pod.proc.pid);
      // A running pod cannot be removed, prepared again or run again.
      const rm = await runSkiff(['rm', pod.uuid], { dataDir: data.path });
      assert.equal(rm.code, 1);
      assert.match(oneLine(rm), /running/);
      const again = await runSkiff(['run-prepared', pod.uuid], { dataDir: data.path });
      assert.equal(again.code, 125);
      oneLine(again);
      // gc leaves a running pod alone.
      assert.equal((await runSkiff(['gc', '--grace-period=0s'], { dataDir: data.path })).code, 0);
      assert.equal((await statusOf(data.path, pod.uuid)).state, 'running');

      const stop = await runSkiff(['stop', pod.uuid], { dataDir: data.path });
      assert.equal(stop.code, 0, stop.stderr);
      assert.deepEqual(lines(stop.stdout), [pod.uuid]);
      const res = await finished(pod.proc);
      // The shell that started it sees 143 (128 + SIGTERM).
      assert.equal(res.signal, 'SIGTERM', `exit ${res.code} ${res.signal}`);
      const after = await statusOf(data.path, pod.uuid);
      assert.equal(after.state, 'exited');
      assert.equal(after.exited, 'true');
      assert.equal(after.pid, '-1');
    } finally {
      pod.proc.kill('SIGKILL');
    }
  });

  it('stop --force kills an app that ignores SIGTERM at once', async () => {
    const pod = await startPod(['--exec=/bin/sh', '--', '-c', "trap '' TERM; exec sleep 30"]);
    const t0 = Date.now();
    const stop = await runSkiff(['stop', '--force', pod.uuid], { dataDir: data.path });
    assert.equal(stop.code, 0, stop.stderr);
    const res = await finished(pod.proc);
    assert.equal(res.signal, 'SIGKILL');
    assert.ok(Date.now() - t0 < 5000, 'no grace period with --force');
    assert.equal((await statusOf(data.path, pod.uuid)).state, 'exited');
  });

  it('stop escalates to SIGKILL after the grace period when SIGTERM is ignored', async () => {
    const pod = await startPod(['--exec=/bin/sh', '--', '-c', "trap '' TERM; exec sleep 30"]);
    const t0 = Date.now();
    const stop = await runSkiff(['stop', '--grace-period=1s', pod.uuid], { dataDir: data.path });
    const took = Date.now() - t0;
    assert.equal(stop.code, 0, stop.stderr);
    assert.deepEqual(lines(stop.stdout), [pod.uuid]);
    assert.match(stop.stderr, /did not stop within 1s/);
    assert.equal((await finished(pod.proc)).signal, 'SIGKILL');
    assert.ok(took >= 1000, `waited the grace period (${took} ms)`);
  });

  it('stop of a pod that is not running is a one-line error', async () => {
    const uuid = await prepareFly(data.path, [image]);
    const res = await runSkiff(['stop', uuid], { dataDir: data.path });
    assert.equal(res.code, 1);
    assert.match(oneLine(res), /not running/);
    await skiffOk(data.path, ['rm', uuid]);
  });

  it('kill -9 of the app: the pod is exited, and gc leaves nothing mounted', async () => {
    const pod = await startPod(['--exec=/bin/sleep', '--', '30']);
    const root = path.join(data.path, 'pods', 'run', pod.uuid);
    assert.ok(mountsUnder(root).length > 0, 'the running pod has its roots, /proc, /sys and /dev mounted');
    pod.proc.kill('SIGKILL');
    assert.equal((await finished(pod.proc)).signal, 'SIGKILL');
    assert.equal((await statusOf(data.path, pod.uuid)).state, 'exited', 'the kernel released the lock with the process');
    const gc = await runSkiff(['gc', '--grace-period=0s'], { dataDir: data.path });
    assert.equal(gc.code, 0, gc.stderr);
    assert.deepEqual(dirsOf(data.path, pod.uuid), []);
    assert.deepEqual(mountsUnder(data.path).filter((m) => !m.includes('/pods/prepared/')), []);
  });

  it('status --wait returns when the pod exits; with a deadline it fails while it runs', async () => {
    const pod = await startPod(['--exec=/bin/sleep', '--', '2']);
    const short = await runSkiff(['status', '--wait=200ms', pod.uuid], { dataDir: data.path });
    assert.equal(short.code, 1);
    assert.match(oneLine(short), /still running/);
    const t0 = Date.now();
    const res = await runSkiff(['status', '--wait=20s', pod.uuid], { dataDir: data.path });
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /^state=exited$/m);
    assert.match(res.stdout, /^exited=true$/m);
    assert.ok(Date.now() - t0 < 5000);
    assert.equal((await finished(pod.proc)).code, 0);
    const bare = await runSkiff(['status', '--wait', pod.uuid], { dataDir: data.path });
    assert.equal(bare.code, 0, 'a bare --wait on an exited pod returns at once');
  });

  it('gc deletes what a prepare killed with SIGKILL half way left, mounts included', async () => {
    let caught: string | undefined;
    for (let attempt = 0; attempt < 3 && !caught; attempt++) {
      const before = new Set(podDirs(data.path));
      // A copy of 3000 files keeps the pod in preparing/ long enough to be caught there.
      const proc = startSkiff([INSECURE, 'prepare', FLY, '--no-overlay', big], { dataDir: data.path });
      let exited: RunResult | undefined;
      void proc.done.then((r) => (exited = r));
      caught = await waitFor('the pod to appear in preparing/', () => {
        if (exited) throw new Error(`prepare ended before it was caught: ${exited.code} ${exited.stderr}`);
        const d = podDirs(data.path).find((p) => p.startsWith('preparing/') && !before.has(p));
        if (d) return d.split('/')[1]!;
        return podDirs(data.path).some((p) => p.startsWith('prepared/') && !before.has(p)) ? '' : undefined;
      }, 30_000);
      proc.kill('SIGKILL');
      await proc.done;
      if (!caught) await skiffOk(data.path, ['gc', '--grace-period=0s', '--expire-prepared=0s']);
    }
    assert.ok(caught, 'the prepare was killed while in preparing/');
    const uuid = caught;
    assert.deepEqual(dirsOf(data.path, uuid), [`preparing/${uuid}`]);
    assert.equal((await statusOf(data.path, uuid)).state, 'aborted-prepare');
    const gc = await runSkiff(['gc'], { dataDir: data.path });
    assert.equal(gc.code, 0, gc.stderr);
    assert.deepEqual(dirsOf(data.path, uuid), []);
    assert.deepEqual(mountsUnder(data.path).filter((m) => m.includes(uuid)), []);
  });

  it('gc deletes a stray unlocked preparing/ pod, unmounting what is mounted in it', async () => {
    const uuid = 'c0ffee00-0000-4000-8000-000000000001';
    const root = path.join(data.path, 'pods', 'preparing', uuid);
    const inner = path.join(root, 'stage1', 'rootfs');
    fs.mkdirSync(inner, { recursive: true });
    fs.writeFileSync(path.join(root, 'pod-created'), '');
    assert.equal(spawnSync('mount', ['-t', 'tmpfs', 'stray', inner]).status, 0);
    fs.writeFileSync(path.join(inner, 'on-tmpfs'), 'x');
    assert.equal((await statusOf(data.path, uuid)).state, 'aborted-prepare');
    const gc = await runSkiff(['gc'], { dataDir: data.path });
    assert.equal(gc.code, 0, gc.stderr);
    assert.deepEqual(dirsOf(data.path, uuid), []);
    assert.deepEqual(mountsUnder(root), []);
  });

  it('a preparing/ pod whose prepare is alive (locked) is left alone by gc', async () => {
    const uuid = 'c0ffee00-0000-4000-8000-000000000002';
    const root = path.join(data.path, 'pods', 'preparing', uuid);
    fs.mkdirSync(root, { recursive: true });
    const holder = spawn('flock', ['-x', '-n', root, 'sleep', '30'], { stdio: 'ignore', detached: true });
    try {
      await waitFor('the lock', async () => ((await statusOf(data.path, uuid)).state === 'preparing' ? true : undefined));
      assert.equal((await runSkiff(['gc'], { dataDir: data.path })).code, 0);
      assert.deepEqual(dirsOf(data.path, uuid), [`preparing/${uuid}`]);
    } finally {
      process.kill(-holder.pid!, 'SIGKILL');
    }
    await waitFor('the lock to go', async () => ((await statusOf(data.path, uuid)).state === 'aborted-prepare' ? true : undefined));
    await skiffOk(data.path, ['gc']);
    assert.deepEqual(dirsOf(data.path, uuid), []);
  });

  it('prepare, run and gc say that they need root to a non-root user', async () => {
    const asNobody = (args: string[]): RunResult => {
      const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', SKIFF_BIN, '--dir', data.path, ...args], { encoding: 'utf8' });
      return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
    };
    const cases: Array<[string[], number]> = [
      [[INSECURE, 'prepare', FLY, image], 1],
      // run passes the app's status through, so its own failures are 125 (podman's convention).
      [[INSECURE, 'run', FLY, image], 125],
      [['gc'], 1],
      [['run-prepared', 'c0ffee00'], 125],
      [['rm', 'c0ffee00'], 1],
      [['stop', 'c0ffee00'], 1],
    ];
    const before = podDirs(data.path);
    for (const [args, code] of cases) {
      const res = asNobody(args);
      assert.equal(res.code, code, `${args.join(' ')}: ${res.stderr}`);
      assert.match(oneLine(res, /^skiff: /), /needs root/);
    }
    assert.deepEqual(podDirs(data.path), before);
  });
});
