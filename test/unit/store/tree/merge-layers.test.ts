// flattenLayerTrees must give what overlayfs shows for the same stack, and agree with
// applying the layer tars one over another.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLinuxHost } from '../../../../common/host-linux.ts';
import { extractTar } from '../../../../store/tar/extract-tree.ts';
import type { WhiteoutMode } from '../../../../store/tar/extract-tree.ts';
import { flattenLayerTrees } from '../../../../store/tree/merge-layers.ts';
import { buildTreeRecord, verifyTree } from '../../../../store/tree/tree-record.ts';
import type { TreeEntry, TreeRecord } from '../../../../store/tree/tree-record.ts';
import { buildTar, streamOf } from '../../../helpers/tar-builder.ts';
import type { TarSpec } from '../../../helpers/tar-builder.ts';
import { diskListing } from '../tar/extract-helpers.ts';

const isRoot = process.geteuid?.() === 0;
const host = createLinuxHost();

const layers: TarSpec[][] = [
  [
    { type: 'dir', name: 'bin', mode: 0o755, mtime: 1_500_000_000 },
    { type: 'file', name: 'bin/sh', body: 'shell', mode: 0o755, mtime: 1_500_000_001 },
    { type: 'link', name: 'bin/ash', target: 'bin/sh' },
    { type: 'file', name: 'bin/su', body: 'su', mode: 0o4755, uid: 1234, gid: 5 },
    { type: 'file', name: 'bin/tool', body: 'tool v1' },
    { type: 'link', name: 'bin/tool-link', target: 'bin/tool' },
    { type: 'symlink', name: 'lib', target: 'usr/lib' },
    { type: 'dir', name: 'etc' },
    { type: 'file', name: 'etc/old.conf', body: 'old' },
    { type: 'file', name: 'etc/keep.conf', body: 'keep' },
    { type: 'dir', name: 'var/cache' },
    { type: 'file', name: 'var/cache/big', body: 'cached' },
    { type: 'file', name: 'becomes-dir', body: 'file first' },
  ],
  [
    { type: 'dir', name: 'bin' },
    { type: 'file', name: 'bin/.wh.tool' },
    { type: 'dir', name: 'etc', mode: 0o750 },
    { type: 'file', name: 'etc/.wh.old.conf' },
    { type: 'file', name: 'etc/new.conf', body: 'new' },
    { type: 'dir', name: 'var/cache' },
    { type: 'file', name: 'var/cache/.wh..wh..opq' },
    { type: 'file', name: 'var/cache/fresh', body: 'fresh' },
    { type: 'dir', name: 'becomes-dir' },
    { type: 'file', name: 'becomes-dir/x', body: 'x' },
  ],
  [
    { type: 'file', name: '.wh.lib' },
    { type: 'dir', name: 'lib' },
    { type: 'file', name: 'lib/libc.so', body: 'libc' },
    { type: 'file', name: 'bin/tool', body: 'tool v3' },
  ],
];

describe('flattenLayerTrees', { skip: isRoot ? false : 'layer trees carry overlayfs whiteouts and xattrs, which need root' }, () => {
  let dir: string;
  const roots: string[] = [];
  const records: TreeRecord[] = [];
  let flat: string;
  let listing: TreeEntry[];

  const extractLayer = async (specs: TarSpec[], dest: string, mode: WhiteoutMode, lower?: TreeEntry[]): Promise<TreeEntry[]> => {
    const res = await extractTar(streamOf(await buildTar(specs)), {
      dest,
      whiteouts: mode,
      lower,
      limits: { maxImageBytes: 1 << 20, maxEntries: 1000 },
      preserveOwnership: true,
      host,
    });
    return res.entries;
  };

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-merge-'));
    for (const [i, specs] of layers.entries()) {
      const root = path.join(dir, `layer${i}`);
      fs.mkdirSync(root);
      records.push(buildTreeRecord(root, `layer${i}`, await extractLayer(specs, root, 'overlay')));
      roots.push(root);
    }
    flat = path.join(dir, 'flat');
    fs.mkdirSync(flat);
    listing = flattenLayerTrees(roots, records, flat, host);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('hides whited-out and opaque-hidden entries, merges directories', () => {
    assert.deepEqual(diskListing(flat), {
      '.': 'dir',
      'becomes-dir': 'dir',
      'becomes-dir/x': 'file',
      bin: 'dir',
      'bin/ash': 'file',
      'bin/sh': 'file',
      'bin/su': 'file',
      'bin/tool': 'file',
      'bin/tool-link': 'file',
      etc: 'dir',
      'etc/keep.conf': 'file',
      'etc/new.conf': 'file',
      lib: 'dir',
      'lib/libc.so': 'file',
      var: 'dir',
      'var/cache': 'dir',
      'var/cache/fresh': 'file',
    });
    assert.equal(fs.readFileSync(path.join(flat, 'bin/tool'), 'utf8'), 'tool v3');
    assert.equal(fs.readFileSync(path.join(flat, 'bin/tool-link'), 'utf8'), 'tool v1');
  });

  test('keeps hard links whose target survives, copies the others', () => {
    const ino = (rel: string): number => fs.statSync(path.join(flat, rel)).ino;
    assert.equal(ino('bin/ash'), ino('bin/sh'));
    assert.notEqual(ino('bin/sh'), fs.statSync(path.join(roots[0] as string, 'bin/sh')).ino);
    const kinds = Object.fromEntries(listing.map((e) => [e.path, e.kind]));
    assert.equal(kinds['bin/ash'], 'hardlink');
    assert.equal(kinds['bin/tool-link'], 'file');
  });

  test('keeps modes and times, the upper directory’s attributes winning', () => {
    assert.equal(fs.statSync(path.join(flat, 'etc')).mode & 0o7777, 0o750);
    assert.equal(fs.statSync(path.join(flat, 'bin/sh')).mode & 0o7777, 0o755);
    const su = fs.statSync(path.join(flat, 'bin/su'));
    assert.deepEqual([su.mode & 0o7777, su.uid, su.gid], [0o4755, 1234, 5]);
    assert.equal(fs.statSync(path.join(flat, 'bin/sh')).mtimeMs, 1_500_000_001_000);
    // The top layer only implies bin/ (through bin/tool), and its implied directory is the one shown.
    const mtimeOf = (root: string, rel: string): number => fs.statSync(path.join(root, rel)).mtimeMs;
    assert.ok(Math.abs(mtimeOf(flat, 'bin') - mtimeOf(roots[2] as string, 'bin')) < 0.001);
    assert.ok(Math.abs(mtimeOf(flat, 'var/cache') - mtimeOf(roots[1] as string, 'var/cache')) < 0.001);
  });

  test('returns a listing that matches the disk and can be stamped', () => {
    const kinds = Object.fromEntries(listing.map((e) => [e.path, e.kind === 'hardlink' ? 'file' : e.kind]));
    assert.deepEqual(kinds, diskListing(flat));
    verifyTree(flat, buildTreeRecord(flat, 'flat', listing));
  });

  test('does not touch the layer trees', () => {
    for (const [i, root] of roots.entries()) verifyTree(root, records[i] as TreeRecord);
  });

  test('agrees with applying the layer tars in order', async () => {
    const applied = path.join(dir, 'applied');
    fs.mkdirSync(applied);
    let entries: TreeEntry[] | undefined;
    for (const specs of layers) entries = await extractLayer(specs, applied, 'apply', entries);
    assert.deepEqual(diskListing(applied), diskListing(flat));
    assert.deepEqual(
      entries?.map((e) => e.path),
      listing.map((e) => e.path),
    );
  });

  test('agrees with what overlayfs shows for the same stack', (t) => {
    const mnt = path.join(dir, 'mnt');
    fs.mkdirSync(mnt);
    try {
      host.mount('overlay', mnt, { type: 'overlay', options: `lowerdir=${[...roots].reverse().join(':')}` });
    } catch (err) {
      t.skip(`cannot mount overlayfs here: ${(err as Error).message}`);
      return;
    }
    try {
      assert.deepEqual(diskListing(mnt), diskListing(flat));
      assert.equal(fs.readFileSync(path.join(mnt, 'bin/tool'), 'utf8'), 'tool v3');
    } finally {
      host.umount(mnt);
    }
  });
});
