// The C helper (native/skiff-sys.c) through the real Host: flock without flock(1), taken on
// our own open file description, exclusive against another, shared with shared; and the
// tools when SKIFF_NATIVE=0. Built by `node scripts/build.ts` (./run-tests builds first).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLinuxHost } from '../../../common/host-linux.ts';
import { loadNativeSys } from '../../../common/native-sys.ts';
import { findFlockHolder, parseProcLocks } from '../../../common/proc-locks.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-native-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const native = loadNativeSys();

function holder(file: string): ReturnType<typeof findFlockHolder> {
  const st = fs.statSync(file);
  return findFlockHolder(parseProcLocks(fs.readFileSync('/proc/locks', 'utf8')), st.dev, st.ino);
}

test('the helper is built and loads; SKIFF_NATIVE=0 turns it off', { skip: native ? false : 'no C helper built here (no compiler)' }, () => {
  assert.equal(loadNativeSys({ SKIFF_NATIVE: '0' }), undefined);
});

test('flock through the helper: held by this process, exclusive against another open, shared with shared', { skip: native ? false : 'no C helper built here' }, () => {
  const host = createLinuxHost();
  const file = path.join(dir, 'lock');
  fs.writeFileSync(file, '');
  const a = fs.openSync(file, 'r');
  const b = fs.openSync(file, 'r');
  try {
    assert.equal(host.flock(a, 'exclusive', false), true);
    assert.equal(holder(file)?.pid, process.pid);
    assert.equal(holder(file)?.access, 'WRITE');
    const started = Date.now();
    assert.equal(host.flock(b, 'shared', 0.1), false, 'a timeout gives up');
    assert.ok(Date.now() - started >= 90);
    fs.closeSync(a);
    assert.equal(host.flock(b, 'shared', false), true);
    const c = fs.openSync(file, 'r');
    assert.equal(host.flock(c, 'shared', true), true);
    fs.closeSync(c);
  } finally {
    for (const fd of [a, b]) {
      try {
        fs.closeSync(fd);
      } catch {
        // closed above
      }
    }
  }
});

test('a flock error is a SkiffError naming the errno', { skip: native ? false : 'no C helper built here' }, () => {
  assert.throws(() => createLinuxHost().flock(987654, 'exclusive', false), /flock: EBADF/);
});

test('moveFds: dup2s in order, marks the sources close-on-exec, and undoes it all', { skip: native ? false : 'no C helper built here' }, () => {
  const host = createLinuxHost();
  const link = (fd: number): string | undefined => {
    try {
      return fs.readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      return undefined;
    }
  };
  const flags = (fd: number): number => parseInt(/^flags:\s+(\d+)/m.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))?.[1] ?? '0', 8) & 0o2000000;
  const fa = path.join(dir, 'a');
  const fb = path.join(dir, 'b');
  fs.writeFileSync(fa, '');
  fs.writeFileSync(fb, '');
  const a = fs.openSync(fa, 'r');
  const b = fs.openSync(fb, 'r');
  const spare = 300;
  try {
    // As stage0 does with 0 → 3 and 99 → 0: a → spare (not open before), then b → a.
    const undo = host.moveFds?.([
      [a, spare],
      [b, a],
    ]);
    assert.ok(undo);
    assert.equal(link(spare), fa);
    assert.equal(link(a), fb);
    assert.equal(flags(spare), 0, 'a target is inheritable');
    assert.equal(flags(a), 0);
    assert.notEqual(flags(b), 0, 'a source that is no target is close-on-exec');
    undo();
    assert.equal(link(a), fa);
    assert.equal(link(spare), undefined);
    assert.notEqual(flags(a), 0, 'Node opened it close-on-exec, and so it is again');
  } finally {
    fs.closeSync(a);
    fs.closeSync(b);
  }
});

test('spawnDetached: nobody’s child, a session of its own, fds 0-2 as given and no other, default signals', { skip: native ? false : 'no C helper built here' }, async () => {
  const host = createLinuxHost();
  const out = path.join(dir, 'detached.out');
  const nul = fs.openSync('/dev/null', 'r+');
  const err = fs.openSync(out, 'w');
  // An inheritable fd of ours (as the launcher's fd 99 is) must not reach the child.
  const leak = fs.openSync('/dev/null', 'r');
  const moved = native!.dup2(leak, 77);
  assert.equal(moved, 0);
  let pid: number | undefined;
  try {
    const script = 'read -r _ _ _ ppid _ sid _ < /proc/$$/stat; echo "$$ $ppid $sid"; ls /proc/$$/fd | tr "\\n" " "; echo; grep SigIgn /proc/$$/status';
    pid = host.spawnDetached!('/bin/sh', ['sh', '-c', `(${script}) >&2`], [nul, nul, err]);
  } finally {
    for (const fd of [nul, err, leak, 77]) fs.closeSync(fd);
  }
  assert.ok(pid !== undefined && pid > 0);
  const deadline = Date.now() + 5000;
  while (!/SigIgn/.test(fs.readFileSync(out, 'utf8')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  const [ids, fds, sigIgn] = fs.readFileSync(out, 'utf8').trim().split('\n');
  const [self, ppid, sid] = ids!.split(' ').map(Number);
  assert.equal(self, pid);
  assert.notEqual(ppid, process.pid, 'reparented: its parent exited');
  assert.equal(sid, pid, 'a session leader');
  // The shell's own fds: 0-2, plus the one `ls` opens to read the directory.
  assert.ok(fds!.trim().split(' ').map(Number).filter((fd) => fd > 2).length <= 1, fds);
  assert.ok(!fds!.split(' ').includes('77'), fds);
  assert.match(sigIgn!, /SigIgn:\s+0+$/, 'no signal ignored (Node ignores SIGPIPE)');
});

test('spawnDetached of a missing program is TOOL_MISSING; a bad fd is refused', { skip: native ? false : 'no C helper built here' }, () => {
  const host = createLinuxHost();
  const nul = fs.openSync('/dev/null', 'r+');
  try {
    assert.throws(() => host.spawnDetached!('/nonexistent/prog', ['prog'], [nul, nul, nul]), (e: Error & { code?: string }) => e.code === 'TOOL_MISSING');
    assert.throws(() => host.spawnDetached!('/bin/true', ['true'], [nul, nul, 9999]), /starting \/bin\/true: .*(bad file descriptor|EBADF)/i);
  } finally {
    fs.closeSync(nul);
  }
});
