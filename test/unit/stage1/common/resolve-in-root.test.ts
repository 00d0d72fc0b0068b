import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensurePathInRoot, readFileInRoot, resolveInRoot, writeFileInRoot } from '../../../../stage1/common/resolve-in-root.ts';
import type { EntryKind, LookupFs } from '../../../../stage1/common/resolve-in-root.ts';

function tempRoot(t: { after: (fn: () => void) => void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-rir-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const root = path.join(dir, 'root');
  fs.mkdirSync(path.join(root, 'usr/bin'), { recursive: true });
  fs.mkdirSync(path.join(root, 'etc'));
  fs.writeFileSync(path.join(root, 'usr/bin/busybox'), '');
  fs.symlinkSync('usr/bin', path.join(root, 'bin')); // relative
  fs.symlinkSync('/usr/bin/busybox', path.join(root, 'usr/bin/sh')); // absolute, inside the root
  fs.symlinkSync('/', path.join(root, 'rootlink'));
  fs.symlinkSync('../../../../../../etc', path.join(root, 'escape')); // tries to climb out
  fs.symlinkSync('/nonexistent/file', path.join(root, 'dangling'));
  fs.symlinkSync('loop-b', path.join(root, 'loop-a'));
  fs.symlinkSync('loop-a', path.join(root, 'loop-b'));
  // A host file the image must never reach.
  fs.writeFileSync(path.join(dir, 'secret'), 'host');
  return root;
}

test('plain paths resolve under the root', (t) => {
  const root = tempRoot(t);
  const r = resolveInRoot(root, '/usr/bin/busybox');
  assert.deepEqual(r, { inRoot: '/usr/bin/busybox', hostPath: path.join(root, 'usr/bin/busybox'), exists: true, kind: 'file', existingDepth: 3 });
  assert.equal(resolveInRoot(root, '/').hostPath, root);
  assert.equal(resolveInRoot(root, 'usr//./bin/').inRoot, '/usr/bin');
});

test('relative and absolute symlinks are followed inside the root', (t) => {
  const root = tempRoot(t);
  assert.equal(resolveInRoot(root, '/bin/sh').inRoot, '/usr/bin/busybox');
  assert.equal(resolveInRoot(root, '/rootlink/etc').hostPath, path.join(root, 'etc'));
  const noFollow = resolveInRoot(root, '/bin/sh', { followFinal: false });
  assert.equal(noFollow.inRoot, '/usr/bin/sh');
  assert.equal(noFollow.kind, 'symlink');
});

test('.. and symlinks cannot climb out of the root', (t) => {
  const root = tempRoot(t);
  assert.equal(resolveInRoot(root, '/../../secret').hostPath, path.join(root, 'secret'));
  assert.equal(resolveInRoot(root, '/../../secret').exists, false);
  assert.equal(resolveInRoot(root, '/escape').hostPath, path.join(root, 'etc'));
  assert.equal(resolveInRoot(root, '/escape/../../secret').inRoot, '/secret');
  // `..` after a symlink applies to the link's target, as in the kernel.
  assert.equal(resolveInRoot(root, '/bin/sh/..').inRoot, '/usr/bin');
});

test('dangling symlinks resolve to the missing path inside the root', (t) => {
  const root = tempRoot(t);
  const r = resolveInRoot(root, '/dangling');
  assert.equal(r.inRoot, '/nonexistent/file');
  assert.equal(r.exists, false);
  assert.equal(r.existingDepth, 0);
  assert.equal(r.kind, undefined);
  const deeper = resolveInRoot(root, '/etc/missing/../x/y');
  assert.equal(deeper.inRoot, '/etc/x/y');
  assert.equal(deeper.existingDepth, 1);
});

test('a file used as a directory does not exist below', (t) => {
  const root = tempRoot(t);
  const r = resolveInRoot(root, '/usr/bin/busybox/x');
  assert.equal(r.exists, false);
  assert.equal(r.existingDepth, 3);
});

test('symlink loops are an error, not a hang', (t) => {
  const root = tempRoot(t);
  assert.throws(() => resolveInRoot(root, '/loop-a/x'), /too many levels of symbolic links/);
});

test('resolution works on any LookupFs (pure)', () => {
  const tree: Record<string, { kind: EntryKind; link?: string }> = {
    '/r/a': { kind: 'symlink', link: '/b' },
    '/r/b': { kind: 'dir' },
    '/r/b/c': { kind: 'file' },
  };
  const fake: LookupFs = { kindOf: (p) => tree[p]?.kind, readlink: (p) => tree[p]?.link ?? '' };
  assert.equal(resolveInRoot('/r', '/a/c', { fs: fake }).hostPath, '/r/b/c');
});

test('ensurePathInRoot creates missing mount targets inside the root, through symlinks', (t) => {
  const root = tempRoot(t);
  const host = ensurePathInRoot(root, '/dangling', 'dir');
  assert.equal(host, path.join(root, 'nonexistent/file'));
  assert.ok(fs.statSync(host).isDirectory());
  const file = ensurePathInRoot(root, '/rootlink/etc/conf/x.conf', 'file');
  assert.ok(fs.statSync(file).isFile());
  assert.equal(file, path.join(root, 'etc/conf/x.conf'));
  assert.equal(ensurePathInRoot(root, '/etc', 'dir'), path.join(root, 'etc'));
  assert.throws(() => ensurePathInRoot(root, '/usr/bin/busybox', 'dir'), /is not a directory/);
  assert.throws(() => ensurePathInRoot(root, '/etc', 'file'), /is a directory/);
  assert.equal(fs.existsSync(path.join(path.dirname(root), 'etc')), false);
});

test('writeFileInRoot replaces a symlink instead of writing through it', (t) => {
  const root = tempRoot(t);
  const secret = path.join(path.dirname(root), 'secret');
  fs.symlinkSync(secret, path.join(root, 'etc/resolv.conf'));
  writeFileInRoot(root, '/etc/resolv.conf', 'nameserver 192.0.2.1\n');
  assert.equal(fs.readFileSync(secret, 'utf8'), 'host');
  assert.equal(fs.lstatSync(path.join(root, 'etc/resolv.conf')).isFile(), true);
  assert.equal(readFileInRoot(root, '/etc/resolv.conf'), 'nameserver 192.0.2.1\n');
  // The parent is resolved inside the root: /escape -> /etc of the image, not the host's.
  writeFileInRoot(root, '/escape/hosts', '127.0.0.1 localhost\n');
  assert.equal(readFileInRoot(root, '/etc/hosts'), '127.0.0.1 localhost\n');
  assert.equal(readFileInRoot(root, '/etc/missing'), undefined);
});
