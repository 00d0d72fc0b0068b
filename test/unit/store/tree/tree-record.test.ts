import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isSkiffError } from '../../../../common/errors.ts';
import { createLinuxHost } from '../../../../common/host-linux.ts';
import { extractTar } from '../../../../store/tar/extract-tree.ts';
import { buildTreeRecord, computeTreeHash, parseTreeRecord, verifyTree } from '../../../../store/tree/tree-record.ts';
import type { TreeEntry, TreeRecord } from '../../../../store/tree/tree-record.ts';
import { buildTar, streamOf } from '../../../helpers/tar-builder.ts';

const entries: TreeEntry[] = [
  { path: '.', kind: 'dir', mode: 0o755, uid: 0, gid: 0, size: 0 },
  { path: 'bin', kind: 'symlink', mode: 0o777, uid: 0, gid: 0, size: 0, linkname: 'usr/bin' },
  { path: 'usr', kind: 'dir', mode: 0o755, uid: 0, gid: 0, size: 0 },
  { path: 'usr/bin', kind: 'dir', mode: 0o755, uid: 0, gid: 0, size: 0 },
  { path: 'usr/bin/sh', kind: 'file', mode: 0o755, uid: 0, gid: 0, size: 1234 },
  { path: 'dev/null', kind: 'char', mode: 0o666, uid: 0, gid: 0, size: 0, devmajor: 1, devminor: 3 },
  { path: 'gone', kind: 'whiteout', mode: 0, uid: 0, gid: 0, size: 0 },
  { path: 'usr', kind: 'opaque', mode: 0, uid: 0, gid: 0, size: 0 },
];

describe('computeTreeHash', () => {
  test('is a sha512 that does not depend on entry order', () => {
    const a = computeTreeHash(entries);
    assert.match(a, /^sha512-[0-9a-f]{128}$/);
    assert.equal(computeTreeHash([...entries].reverse()), a);
    assert.equal(computeTreeHash([...entries].sort(() => 0.5 - Math.random())), a);
  });

  test('changes with any metadata', () => {
    const base = computeTreeHash(entries);
    const tweak = (i: number, patch: Partial<TreeEntry>): string =>
      computeTreeHash(entries.map((e, j) => (j === i ? { ...e, ...patch } : e)));
    assert.notEqual(tweak(4, { mode: 0o4755 }), base);
    assert.notEqual(tweak(4, { uid: 1 }), base);
    assert.notEqual(tweak(4, { size: 1235 }), base);
    assert.notEqual(tweak(1, { linkname: 'usr/sbin' }), base);
    assert.notEqual(tweak(5, { devminor: 5 }), base);
    assert.notEqual(computeTreeHash(entries.slice(1)), base);
  });

  test('a newline in a name cannot forge another entry', () => {
    const one = [{ path: 'a\n["b"', kind: 'file' as const, mode: 0, uid: 0, gid: 0, size: 0 }];
    const two = [
      { path: 'a', kind: 'file' as const, mode: 0, uid: 0, gid: 0, size: 0 },
      { path: 'b', kind: 'file' as const, mode: 0, uid: 0, gid: 0, size: 0 },
    ];
    assert.notEqual(computeTreeHash(one), computeTreeHash(two));
  });
});

describe('verifyTree', () => {
  let dir: string;
  let rootfs: string;
  let record: TreeRecord;
  const at = (rel: string): string => path.join(rootfs, rel);

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-tree-'));
    rootfs = path.join(dir, 'rootfs');
    fs.mkdirSync(rootfs);
    const tar = await buildTar([
      { type: 'dir', name: 'etc' },
      { type: 'file', name: 'etc/passwd', body: 'root:x:0:0::/root:/bin/sh\n' },
      { type: 'file', name: 'etc/__proto__', body: 'tricky name' },
      { type: 'symlink', name: 'etc/mtab', target: '/proc/mounts' },
      { type: 'dir', name: 'usr/lib' },
      { type: 'file', name: 'usr/lib/libc.so', body: 'ELF' },
    ]);
    const res = await extractTar(streamOf(tar), {
      dest: rootfs,
      whiteouts: 'overlay',
      limits: { maxImageBytes: 1 << 20, maxEntries: 100 },
      preserveOwnership: process.geteuid?.() === 0,
      host: createLinuxHost(),
    });
    // Round-trip through JSON, as the tree store does.
    record = parseTreeRecord(JSON.parse(JSON.stringify(buildTreeRecord(rootfs, 'sha256:test', res.entries))));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const assertCorrupt = (pattern: RegExp): void => {
    assert.throws(
      () => verifyTree(rootfs, record),
      (err: unknown) => {
        assert.ok(isSkiffError(err));
        assert.equal(err.code, 'TREE_CORRUPT');
        assert.match(err.message, /^tree sha256:test was modified on disk: /);
        assert.match(err.message, pattern);
        assert.match(err.hint ?? '', /--insecure-options=ondisk/);
        return true;
      },
    );
  };

  test('passes on an untouched tree, repeatedly', () => {
    verifyTree(rootfs, record);
    fs.readFileSync(at('etc/passwd'));
    fs.readdirSync(at('etc'));
    verifyTree(rootfs, record);
  });

  test('catches appended content', () => {
    fs.appendFileSync(at('etc/passwd'), 'evil::0:0::/:/bin/sh\n');
    assertCorrupt(/etc\/passwd changed \(size/);
  });

  test('catches a same-size rewrite through the ctime', () => {
    const fd = fs.openSync(at('usr/lib/libc.so'), 'r+');
    fs.writeSync(fd, 'ELG', 0);
    fs.closeSync(fd);
    // Even with the old mtime put back, ctime moved.
    fs.utimesSync(at('usr/lib/libc.so'), 1_700_000_000, 1_700_000_000);
    assertCorrupt(/usr\/lib\/libc\.so changed \(its contents or metadata were written\)/);
  });

  test('catches chmod', () => {
    fs.chmodSync(at('etc/passwd'), 0o666);
    assertCorrupt(/etc\/passwd changed \(mode 100644 is now 100666\)/);
  });

  test('catches an added file, naming it', () => {
    fs.writeFileSync(at('usr/lib/evil.so'), 'x');
    assertCorrupt(/usr\/lib\/evil\.so was added/);
  });

  test('catches an added directory at the root', () => {
    fs.mkdirSync(at('new'));
    assertCorrupt(/ new was added/);
  });

  test('catches a removed file, naming it', () => {
    fs.rmSync(at('etc/passwd'));
    assertCorrupt(/etc\/passwd is missing/);
  });

  test('catches a replaced symlink', () => {
    fs.rmSync(at('etc/mtab'));
    fs.symlinkSync('/etc/shadow', at('etc/mtab'));
    assertCorrupt(/etc\/mtab changed/);
  });

  test('catches a file replaced by a symlink', () => {
    fs.rmSync(at('etc/__proto__'));
    fs.symlinkSync('/etc/shadow', at('etc/__proto__'));
    assertCorrupt(/etc\/__proto__ changed \(mode/);
  });

  test('catches a chown of a directory', { skip: process.geteuid?.() === 0 ? false : 'needs root to chown' }, () => {
    fs.chownSync(at('usr'), 1, 1);
    assertCorrupt(/usr changed/);
  });
});

describe('parseTreeRecord', () => {
  test('refuses damaged records', () => {
    const good = { treeHash: computeTreeHash(entries), source: 'x', entries, stamp: {} };
    assert.equal(parseTreeRecord(good), good);
    for (const bad of [null, 7, { ...good, treeHash: 'md5-1' }, { ...good, entries: {} }, { ...good, entries: [{ path: 1 }] }, { ...good, stamp: { a: { ino: 1 } } }]) {
      assert.throws(() => parseTreeRecord(bad), (err: unknown) => isSkiffError(err) && err.code === 'TREE_CORRUPT');
    }
  });
});
