// Hostile archives: each must fail with the right code (or be neutralized) and leave nothing
// outside dest.
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { buildTar, endOfArchive, rawHeader } from '../../../helpers/tar-builder.ts';
import {
  assertNothingOutside,
  assertRejects,
  extractInto,
  kindsOf,
  makeSandbox,
  removeSandbox,
  type Sandbox,
} from './extract-helpers.ts';

describe('extractTar on hostile input', () => {
  let sb: Sandbox;
  beforeEach(() => {
    sb = makeSandbox();
  });
  afterEach(() => removeSandbox(sb));

  test('refuses ../ that climbs out of the root', async () => {
    await assertRejects(extractInto(sb, await buildTar([{ type: 'file', name: '../x', body: 'pwned' }])), 'ARCHIVE_UNSAFE', /"\.\.\/x"/);
    await assertRejects(extractInto(sb, await buildTar([{ type: 'file', name: 'a/../../outside/x', body: 'pwned' }])), 'ARCHIVE_UNSAFE');
    assertNothingOutside(sb);
  });

  test('treats absolute names as relative, like GNU tar', async () => {
    const res = await extractInto(sb, await buildTar([{ type: 'file', name: '/skiff-abs-test/x', body: 'in' }]));
    assert.equal(fs.readFileSync(path.join(sb.dest, 'skiff-abs-test/x'), 'utf8'), 'in');
    assert.equal(fs.existsSync('/skiff-abs-test'), false);
    assert.equal(kindsOf(res)['skiff-abs-test/x'], 'file');
    assertNothingOutside(sb);
  });

  test('resolves harmless .. inside the root lexically', async () => {
    await extractInto(sb, await buildTar([{ type: 'file', name: './a/b/../c', body: 'x' }]));
    assert.equal(fs.readFileSync(path.join(sb.dest, 'a/c'), 'utf8'), 'x');
  });

  test('never writes through a symlink to an absolute path', async () => {
    const tar = await buildTar([
      { type: 'symlink', name: 'a', target: sb.outside },
      { type: 'file', name: 'a/passwd', body: 'root::0:0::/:/bin/sh' },
    ]);
    await assertRejects(extractInto(sb, tar), 'ARCHIVE_UNSAFE', /"a\/passwd".*symlink/);
    assertNothingOutside(sb);
  });

  test('never writes through a relative symlink that climbs out', async () => {
    const tar = await buildTar([
      { type: 'symlink', name: 'up', target: '../../..' },
      { type: 'dir', name: 'up/outside' },
      { type: 'file', name: 'up/x', body: 'pwned' },
    ]);
    await assertRejects(extractInto(sb, tar), 'ARCHIVE_UNSAFE');
    assertNothingOutside(sb);
  });

  test('never creates a directory through a symlink', async () => {
    const tar = await buildTar([
      { type: 'symlink', name: 'a', target: sb.outside },
      { type: 'dir', name: 'a/sub' },
    ]);
    await assertRejects(extractInto(sb, tar), 'ARCHIVE_UNSAFE');
    assertNothingOutside(sb);
  });

  test('symlinks may point anywhere as long as nothing is written through them', async () => {
    const res = await extractInto(sb, await buildTar([{ type: 'symlink', name: 'etc-link', target: '/etc' }]));
    assert.equal(fs.readlinkSync(path.join(sb.dest, 'etc-link')), '/etc');
    assert.equal(res.entries.find((e) => e.path === 'etc-link')?.linkname, '/etc');
  });

  test('refuses hard links that leave the root', async () => {
    await assertRejects(extractInto(sb, await buildTar([{ type: 'link', name: 'h', target: '../../etc/shadow' }])), 'ARCHIVE_UNSAFE');
    await assertRejects(extractInto(sb, await buildTar([{ type: 'link', name: 'h2', target: '/etc/shadow' }])), 'ARCHIVE_UNSAFE', /not a regular file/);
    assertNothingOutside(sb);
    assert.equal(fs.existsSync(path.join(sb.dest, 'h2')), false);
  });

  test('refuses a hard link to a symlink', async () => {
    const tar = await buildTar([
      { type: 'symlink', name: 's', target: '/etc/shadow' },
      { type: 'link', name: 'h', target: 's' },
    ]);
    await assertRejects(extractInto(sb, tar), 'ARCHIVE_UNSAFE', /hard link target "s"/);
    assertNothingOutside(sb);
  });

  test('refuses a hard link to a directory or to itself', async () => {
    await assertRejects(extractInto(sb, await buildTar([{ type: 'dir', name: 'd' }, { type: 'link', name: 'h', target: 'd' }])), 'ARCHIVE_UNSAFE');
    await assertRejects(extractInto(sb, await buildTar([{ type: 'link', name: 'self', target: 'self' }])), 'ARCHIVE_UNSAFE');
  });

  test('a file replacing a hard link does not write into the shared inode', async () => {
    const tar = await buildTar([
      { type: 'file', name: 'f', body: 'original' },
      { type: 'link', name: 'h', target: 'f' },
      { type: 'file', name: 'h', body: 'replaced' },
    ]);
    await extractInto(sb, tar);
    assert.equal(fs.readFileSync(path.join(sb.dest, 'f'), 'utf8'), 'original');
    assert.equal(fs.readFileSync(path.join(sb.dest, 'h'), 'utf8'), 'replaced');
  });

  test('a file replacing a symlink replaces the link, not its target', async () => {
    fs.writeFileSync(path.join(sb.outside, 'victim'), '');
    const tar = await buildTar([
      { type: 'symlink', name: 's', target: path.join(sb.outside, 'victim') },
      { type: 'file', name: 's', body: 'pwned?' },
    ]);
    const res = await extractInto(sb, tar);
    assert.equal(fs.readFileSync(path.join(sb.outside, 'victim'), 'utf8'), '');
    assert.ok(fs.lstatSync(path.join(sb.dest, 's')).isFile());
    assert.equal(kindsOf(res).s, 'file');
    fs.rmSync(path.join(sb.outside, 'victim'));
    assertNothingOutside(sb);
  });

  test('refuses to place an entry under a regular file', async () => {
    const tar = await buildTar([
      { type: 'file', name: 'f', body: 'x' },
      { type: 'file', name: 'f/x', body: 'y' },
    ]);
    await assertRejects(extractInto(sb, tar), 'ARCHIVE_UNSAFE', /not a directory/);
  });

  test('refuses a non-directory in place of the root', async () => {
    await assertRejects(extractInto(sb, await buildTar([{ type: 'symlink', name: './', target: '/' }])), 'ARCHIVE_UNSAFE', /image root/);
  });

  test('refuses a declared size beyond the limit before reading a byte of it', async () => {
    const bomb = Buffer.concat([rawHeader({ name: 'bomb', size: 1024 ** 3 }), Buffer.alloc(4096)]);
    await assertRejects(
      extractInto(sb, bomb, { limits: { maxImageBytes: 1024 * 1024, maxEntries: 10 } }),
      'ARCHIVE_TOO_LARGE',
      /"bomb"/,
    );
    assert.deepEqual(fs.readdirSync(sb.dest), []);
    assertNothingOutside(sb);
  });

  test('counts the sizes of all entries against the limit', async () => {
    const tar = await buildTar([
      { type: 'file', name: 'a', body: Buffer.alloc(600) },
      { type: 'file', name: 'b', body: Buffer.alloc(600) },
    ]);
    await assertRejects(extractInto(sb, tar, { limits: { maxImageBytes: 1000, maxEntries: 10 } }), 'ARCHIVE_TOO_LARGE');
  });

  test('refuses too many entries', async () => {
    const specs = Array.from({ length: 20 }, (_, i) => ({ type: 'file' as const, name: `f${i}` }));
    await assertRejects(
      extractInto(sb, await buildTar(specs), { limits: { maxImageBytes: 1024, maxEntries: 10 } }),
      'ARCHIVE_TOO_LARGE',
      /more than 10 entries/,
    );
  });

  test('reports a truncated archive as corrupt', async () => {
    const tar = await buildTar([{ type: 'file', name: 'big', body: Buffer.alloc(100_000, 7) }]);
    await assertRejects(extractInto(sb, tar.subarray(0, 50_000)), 'ARCHIVE_CORRUPT', /truncated/);
    await assertRejects(extractInto(sb, tar.subarray(0, 300)), 'ARCHIVE_CORRUPT');
  });

  test('reports garbage as corrupt', async () => {
    const garbage = Buffer.alloc(8192);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919 + 13) & 0xff;
    await assertRejects(extractInto(sb, garbage), 'ARCHIVE_CORRUPT');
    assertNothingOutside(sb);
  });

  test('refuses entry types it cannot represent', async () => {
    const sparse = Buffer.concat([rawHeader({ name: 'sparse', typeflag: 'S', size: 0 }), endOfArchive()]);
    await assertRejects(extractInto(sb, sparse), 'IMAGE_FORMAT', /unsupported type/);
  });

  test('refuses malformed whiteout names in layer modes', async () => {
    const tar = await buildTar([{ type: 'file', name: 'd/.wh..' }]);
    await assertRejects(extractInto(sb, tar, { whiteouts: 'apply' }), 'ARCHIVE_UNSAFE', /whiteout/);
  });

  test('a whiteout cannot delete outside the root in apply mode', async () => {
    fs.writeFileSync(path.join(sb.outside, 'keep'), 'x');
    await assertRejects(extractInto(sb, await buildTar([{ type: 'file', name: '../outside/.wh.keep' }]), { whiteouts: 'apply' }), 'ARCHIVE_UNSAFE');
    assert.ok(fs.existsSync(path.join(sb.outside, 'keep')));
    const tar = await buildTar([
      { type: 'symlink', name: 'l', target: sb.outside },
      { type: 'file', name: 'l/.wh.keep' },
    ]);
    await assertRejects(extractInto(sb, tar, { whiteouts: 'apply' }), 'ARCHIVE_UNSAFE');
    assert.ok(fs.existsSync(path.join(sb.outside, 'keep')));
  });
});
