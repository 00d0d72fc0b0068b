// OCI whiteouts in the three modes: overlayfs format in a layer's own tree, deletion when a
// layer is applied on top of lower ones, and nothing special for ACIs.
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { buildTar } from '../../../helpers/tar-builder.ts';
import type { TarSpec } from '../../../helpers/tar-builder.ts';
import {
  diskListing,
  extractInto,
  isRoot,
  kindsOf,
  makeSandbox,
  recordingHost,
  removeSandbox,
  type Sandbox,
} from './extract-helpers.ts';

const lower: TarSpec[] = [
  { type: 'dir', name: 'a' },
  { type: 'file', name: 'a/gone', body: 'lower' },
  { type: 'file', name: 'a/stays', body: 'lower' },
  { type: 'file', name: 'top', body: 'lower' },
  { type: 'dir', name: 'opq' },
  { type: 'file', name: 'opq/old', body: 'lower' },
  { type: 'dir', name: 'opq/sub' },
  { type: 'file', name: 'opq/sub/old', body: 'lower' },
  { type: 'dir', name: 'opq2' },
  { type: 'file', name: 'opq2/old', body: 'lower' },
  { type: 'file', name: 'same', body: 'lower' },
  { type: 'dir', name: 'sdir' },
  { type: 'file', name: 'sdir/old', body: 'lower' },
  { type: 'dir', name: 'tree' },
  { type: 'file', name: 'tree/deep', body: 'lower' },
];

const upper: TarSpec[] = [
  { type: 'dir', name: 'a' },
  { type: 'file', name: 'a/.wh.gone' },
  { type: 'file', name: '.wh.top' },
  { type: 'file', name: '.wh.tree' },
  // The marker before its siblings (the usual order)…
  { type: 'dir', name: 'opq' },
  { type: 'file', name: 'opq/.wh..wh..opq' },
  { type: 'file', name: 'opq/new', body: 'upper' },
  { type: 'dir', name: 'opq/sub' },
  { type: 'file', name: 'opq/sub/new', body: 'upper' },
  // …and after them: it must still hide only the lower layer's entries.
  { type: 'dir', name: 'opq2' },
  { type: 'file', name: 'opq2/new', body: 'upper' },
  { type: 'file', name: 'opq2/.wh..wh..opq' },
  // A whiteout of a name the same layer also writes hides only the lower one.
  { type: 'file', name: 'same', body: 'upper' },
  { type: 'file', name: '.wh.same' },
  { type: 'file', name: '.wh.sdir' },
  { type: 'dir', name: 'sdir' },
  { type: 'file', name: 'sdir/new', body: 'upper' },
  { type: 'file', name: '.wh..wh.plnk' },
];

describe('whiteouts', () => {
  let sb: Sandbox;
  beforeEach(() => {
    sb = makeSandbox();
  });
  afterEach(() => removeSandbox(sb));
  const at = (rel: string): string => path.join(sb.dest, rel);

  test('apply: deletes what lower layers left, keeps the layer’s own entries', async () => {
    const first = await extractInto(sb, await buildTar(lower), { whiteouts: 'apply' });
    const res = await extractInto(sb, await buildTar(upper), { whiteouts: 'apply', lower: first.entries });
    const expected = {
      '.': 'dir',
      a: 'dir',
      'a/stays': 'file',
      opq: 'dir',
      'opq/new': 'file',
      'opq/sub': 'dir',
      'opq/sub/new': 'file',
      opq2: 'dir',
      'opq2/new': 'file',
      same: 'file',
      sdir: 'dir',
      'sdir/new': 'file',
    };
    assert.deepEqual(diskListing(sb.dest), expected);
    assert.deepEqual(kindsOf(res), expected);
    assert.equal(fs.readFileSync(at('same'), 'utf8'), 'upper');
  });

  test('overlay: whiteout devices and opaque directories in the layer tree', { skip: isRoot ? false : 'trusted.* xattrs need root' }, async () => {
    const host = recordingHost();
    const res = await extractInto(sb, await buildTar(upper), { whiteouts: 'overlay', host });
    const kinds = kindsOf(res);
    assert.deepEqual(
      res.entries.filter((e) => e.kind === 'whiteout' || e.kind === 'opaque').map((e) => `${e.path} ${e.kind}`),
      ['a/gone whiteout', 'opq opaque', 'opq2 opaque', 'sdir opaque', 'top whiteout', 'tree whiteout'],
    );
    const dev = fs.lstatSync(at('a/gone'));
    assert.ok(dev.isCharacterDevice());
    assert.equal(dev.rdev, 0);
    assert.equal(kinds.same, 'file');
    assert.equal(fs.existsSync(at('.wh..wh.plnk')), false);
    assert.equal(fs.existsSync(at('opq/.wh..wh..opq')), false);
    for (const dir of ['opq', 'opq2', 'sdir']) {
      const got = host.run('getfattr', ['--only-values', '-h', '-n', 'trusted.overlay.opaque', at(dir)]);
      assert.equal(got.stdout, 'y');
      assert.ok(host.calls.some((c) => c[0] === 'setfattr' && c.includes('-h') && c.at(-1) === at(dir)));
    }
    const { '.': _root, ...onDisk } = diskListing(sb.dest);
    const { '.': _r, ...listed } = Object.fromEntries(res.entries.filter((e) => e.kind !== 'opaque').map((e) => [e.path, e.kind]));
    assert.deepEqual(onDisk, listed);
  });

  test('overlay: a whiteout under a directory the layer later replaced is dropped', { skip: isRoot ? false : 'needs root' }, async () => {
    const tar = await buildTar([
      { type: 'dir', name: 'd' },
      { type: 'file', name: 'd/.wh.x' },
      { type: 'symlink', name: 'd', target: sb.outside },
    ]);
    const res = await extractInto(sb, tar, { whiteouts: 'overlay' });
    assert.deepEqual(kindsOf(res), { '.': 'dir', d: 'symlink' });
    assert.deepEqual(fs.readdirSync(sb.outside), []);
  });

  test('keep: .wh. names are ordinary files', async () => {
    const res = await extractInto(sb, await buildTar([{ type: 'file', name: 'd/.wh.x', body: 'plain' }, { type: 'file', name: 'd/.wh..wh..opq' }]), {
      whiteouts: 'keep',
    });
    assert.equal(fs.readFileSync(at('d/.wh.x'), 'utf8'), 'plain');
    assert.deepEqual(Object.keys(kindsOf(res)), ['.', 'd', 'd/.wh..wh..opq', 'd/.wh.x']);
  });
});
