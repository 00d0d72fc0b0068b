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
