// What a well-formed archive becomes: kinds, modes, owners, times, duplicates, ACI prefixes.
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { SkiffError } from '../../../../common/errors.ts';
import { buildTar } from '../../../helpers/tar-builder.ts';
import type { TarSpec } from '../../../helpers/tar-builder.ts';
import { assertRejects, extractInto, isRoot, kindsOf, makeSandbox, removeSandbox, type Sandbox } from './extract-helpers.ts';

const ROOT_ONLY = isRoot ? false : 'needs root: ownership, device nodes and setuid bits are only kept as root';

describe('extractTar', () => {
  let sb: Sandbox;
  beforeEach(() => {
    sb = makeSandbox();
  });
  afterEach(() => removeSandbox(sb));
  const at = (rel: string): string => path.join(sb.dest, rel);

  test('extracts files, directories, symlinks and hard links and lists them', async () => {
    const specs: TarSpec[] = [
      { type: 'dir', name: 'usr/', mode: 0o755 },
      { type: 'dir', name: 'usr/bin/', mode: 0o711 },
      { type: 'file', name: 'usr/bin/tool', body: '#!/bin/sh\n', mode: 0o755 },
      { type: 'symlink', name: 'bin', target: 'usr/bin' },
      { type: 'link', name: 'usr/bin/tool2', target: 'usr/bin/tool' },
      { type: 'file', name: 'implicit/parent/file', body: 'x' },
    ];
    const res = await extractInto(sb, await buildTar(specs));
    assert.equal(res.entryCount, 6);
    assert.equal(res.bytes, 11);
    assert.deepEqual(kindsOf(res), {
      '.': 'dir',
      bin: 'symlink',
      implicit: 'dir',
      'implicit/parent': 'dir',
      'implicit/parent/file': 'file',
      usr: 'dir',
      'usr/bin': 'dir',
      'usr/bin/tool': 'file',
      'usr/bin/tool2': 'hardlink',
    });
    assert.equal(fs.statSync(at('usr/bin')).mode & 0o7777, 0o711);
    assert.equal(fs.statSync(at('usr/bin/tool')).mode & 0o7777, 0o755);
    assert.equal(fs.statSync(at('implicit/parent')).mode & 0o7777, 0o755);
    assert.equal(fs.statSync(at('usr/bin/tool')).ino, fs.statSync(at('usr/bin/tool2')).ino);
    assert.equal(fs.readlinkSync(at('bin')), 'usr/bin');
    const tool = res.entries.find((e) => e.path === 'usr/bin/tool');
    assert.deepEqual({ size: tool?.size, mode: tool?.mode }, { size: 10, mode: 0o755 });
    assert.deepEqual(res.entries.map((e) => e.path), [...res.entries.map((e) => e.path)].sort());
  });

  test('applies mtimes to files, symlinks and directories (set last)', async () => {
    const tar = await buildTar([
      { type: 'dir', name: 'd', mtime: 1_000_000_000 },
      { type: 'file', name: 'd/f', body: 'x', mtime: 1_100_000_000 },
      { type: 'symlink', name: 'd/l', target: 'f', mtime: 1_200_000_000 },
    ]);
    await extractInto(sb, tar);
    assert.equal(fs.lstatSync(at('d')).mtimeMs, 1_000_000_000_000);
    assert.equal(fs.lstatSync(at('d/f')).mtimeMs, 1_100_000_000_000);
    assert.equal(fs.lstatSync(at('d/l')).mtimeMs, 1_200_000_000_000);
  });

  test('fills a read-only directory before making it read-only', async () => {
    const tar = await buildTar([
      { type: 'dir', name: 'ro', mode: 0o555 },
      { type: 'file', name: 'ro/f', body: 'x', mode: 0o444 },
    ]);
    await extractInto(sb, tar);
    assert.equal(fs.statSync(at('ro')).mode & 0o7777, 0o555);
    assert.equal(fs.readFileSync(at('ro/f'), 'utf8'), 'x');
  });

  test('handles long names (pax / GNU long headers)', async () => {
    const long = `${'d'.repeat(120)}/${'f'.repeat(150)}`;
    const res = await extractInto(sb, await buildTar([{ type: 'file', name: long, body: 'long' }]));
    assert.equal(fs.readFileSync(at(long), 'utf8'), 'long');
    assert.equal(kindsOf(res)[long], 'file');
  });

  describe('duplicates: the later entry wins (GNU tar)', () => {
    test('a file, then a directory', async () => {
      const res = await extractInto(sb, await buildTar([{ type: 'file', name: 'x', body: '1' }, { type: 'dir', name: 'x' }]));
      assert.ok(fs.lstatSync(at('x')).isDirectory());
      assert.equal(kindsOf(res).x, 'dir');
    });

    test('a directory with contents, then a file', async () => {
      const tar = await buildTar([
        { type: 'dir', name: 'x' },
        { type: 'file', name: 'x/child', body: 'c' },
        { type: 'file', name: 'x', body: 'file now' },
      ]);
      const res = await extractInto(sb, tar);
      assert.equal(fs.readFileSync(at('x'), 'utf8'), 'file now');
      assert.equal(kindsOf(res)['x/child'], undefined);
      assert.equal(kindsOf(res).x, 'file');
    });

    test('a symlink, then a directory and a file below it', async () => {
      const tar = await buildTar([
        { type: 'symlink', name: 'x', target: sb.outside },
        { type: 'dir', name: 'x' },
        { type: 'file', name: 'x/f', body: 'in' },
      ]);
      await extractInto(sb, tar);
      assert.ok(fs.lstatSync(at('x')).isDirectory());
      assert.deepEqual(fs.readdirSync(sb.outside), []);
    });

    test('two files: the content and mode of the second', async () => {
      const tar = await buildTar([
        { type: 'file', name: 'f', body: 'first, longer', mode: 0o600 },
        { type: 'file', name: 'f', body: 'second', mode: 0o640 },
      ]);
      const res = await extractInto(sb, tar);
      assert.equal(fs.readFileSync(at('f'), 'utf8'), 'second');
      assert.equal(fs.statSync(at('f')).mode & 0o777, 0o640);
      assert.equal(res.entries.find((e) => e.path === 'f')?.size, 6);
    });
  });

  test('strips the ACI rootfs/ prefix and hands other members to onOther', async () => {
    const tar = await buildTar([
      { type: 'file', name: 'manifest', body: '{"acKind":"ImageManifest"}' },
      { type: 'dir', name: 'rootfs', mode: 0o750 },
      { type: 'file', name: 'rootfs/etc/os-release', body: 'ID=test\n' },
      { type: 'link', name: 'rootfs/etc/os-release2', target: 'rootfs/etc/os-release' },
      { type: 'file', name: 'rootfsx/nope', body: 'no' },
      { type: 'file', name: 'skipped-unread', body: 'never read' },
    ]);
    const other: Record<string, string> = {};
    const res = await extractInto(sb, tar, {
      stripPrefix: 'rootfs/',
      onOther: async (name, _header, body) => {
        if (name === 'skipped-unread') return;
        const chunks: Buffer[] = [];
        for await (const c of body) chunks.push(c as Buffer);
        other[name] = Buffer.concat(chunks).toString();
      },
    });
    assert.deepEqual(other, { manifest: '{"acKind":"ImageManifest"}', 'rootfsx/nope': 'no' });
    assert.deepEqual(fs.readdirSync(sb.dest).sort(), ['etc']);
    assert.equal(fs.statSync(sb.dest).mode & 0o777, 0o750);
    assert.equal(res.entries.find((e) => e.path === '.')?.mode, 0o750);
    assert.equal(fs.statSync(at('etc/os-release2')).ino, fs.statSync(at('etc/os-release')).ino);
  });

  test('an onOther failure is reported as itself, even after it destroyed the body', async () => {
    const tar = await buildTar([
      { type: 'file', name: 'manifest', body: Buffer.alloc(100_000, 0x20) },
      { type: 'file', name: 'rootfs/x', body: 'x' },
    ]);
    await assertRejects(
      extractInto(sb, tar, {
        stripPrefix: 'rootfs/',
        onOther: async (_name, _header, body) => {
          for await (const _ of body) {
            body.destroy();
            throw new SkiffError('ARCHIVE_TOO_LARGE', 'the manifest is larger than 10 bytes');
          }
        },
      }),
      'ARCHIVE_TOO_LARGE',
      /manifest is larger/,
    );
  });

  test('an onOther that destroys its body without failing does not hang the extraction', { timeout: 10_000 }, async () => {
    const tar = await buildTar([
      { type: 'file', name: 'manifest', body: Buffer.alloc(100_000, 0x20) },
      { type: 'file', name: 'rootfs/x', body: 'x' },
    ]);
    await assertRejects(
      extractInto(sb, tar, { stripPrefix: 'rootfs/', onOther: async (_name, _header, body) => void body.destroy() }),
      'INTERNAL',
      /stopped early/,
    );
  });

  test('refuses an ACI hard link to a member outside rootfs/', async () => {
    const tar = await buildTar([
      { type: 'file', name: 'manifest', body: '{}' },
      { type: 'link', name: 'rootfs/m', target: 'manifest' },
    ]);
    await assertRejects(extractInto(sb, tar, { stripPrefix: 'rootfs/' }), 'ARCHIVE_UNSAFE', /outside the image root/);
  });

  test('without preserveOwnership: no owners, no setuid, no device nodes', async () => {
    const tar = await buildTar([
      { type: 'file', name: 'suid', body: 'x', mode: 0o4755, uid: 1234, gid: 5678 },
      { type: 'char', name: 'null', major: 1, minor: 3, mode: 0o666 },
      { type: 'fifo', name: 'pipe' },
    ]);
    const res = await extractInto(sb, tar, { preserveOwnership: false });
    assert.equal(fs.statSync(at('suid')).mode & 0o7777, 0o755);
    assert.equal(fs.statSync(at('suid')).uid, process.geteuid?.());
    assert.equal(fs.existsSync(at('null')), false);
    assert.equal(fs.existsSync(at('pipe')), false);
    assert.deepEqual(Object.keys(kindsOf(res)), ['.', 'suid']);
    assert.equal(res.entries[1]?.mode, 0o755);
  });

  test('with preserveOwnership: owners, setuid bits and device nodes', { skip: ROOT_ONLY }, async () => {
    const tar = await buildTar([
      { type: 'dir', name: 'dev', uid: 7, gid: 8 },
      { type: 'file', name: 'suid', body: 'x', mode: 0o4755, uid: 1234, gid: 5678 },
      { type: 'dir', name: 'tmp', mode: 0o1777 },
      { type: 'char', name: 'dev/null', major: 1, minor: 3, mode: 0o666 },
      { type: 'block', name: 'dev/loop9', major: 7, minor: 9, mode: 0o660, gid: 6 },
      { type: 'fifo', name: 'dev/pipe', mode: 0o600 },
      { type: 'symlink', name: 'owned-link', target: 'suid', uid: 42, gid: 43 },
    ]);
    const res = await extractInto(sb, tar, { preserveOwnership: true });
    const st = fs.statSync(at('suid'));
    assert.deepEqual([st.mode & 0o7777, st.uid, st.gid], [0o4755, 1234, 5678]);
    assert.equal(fs.statSync(at('tmp')).mode & 0o7777, 0o1777);
    assert.deepEqual([fs.statSync(at('dev')).uid, fs.statSync(at('dev')).gid], [7, 8]);
    const nul = fs.lstatSync(at('dev/null'));
    assert.ok(nul.isCharacterDevice());
    assert.equal(nul.rdev, (1 << 8) | 3);
    assert.equal(nul.mode & 0o777, 0o666);
    assert.ok(fs.lstatSync(at('dev/loop9')).isBlockDevice());
    assert.equal(fs.lstatSync(at('dev/loop9')).gid, 6);
    assert.ok(fs.lstatSync(at('dev/pipe')).isFIFO());
    assert.equal(fs.lstatSync(at('owned-link')).uid, 42);
    const kinds = kindsOf(res);
    assert.deepEqual([kinds['dev/null'], kinds['dev/loop9'], kinds['dev/pipe']], ['char', 'block', 'fifo']);
    const nulEntry = res.entries.find((e) => e.path === 'dev/null');
    assert.deepEqual([nulEntry?.devmajor, nulEntry?.devminor], [1, 3]);
  });

  test('a large file arrives intact across many chunks', async () => {
    const body = Buffer.alloc(3 * 1024 * 1024 + 17);
    for (let i = 0; i < body.length; i++) body[i] = (i * 31) & 0xff;
    await extractInto(sb, await buildTar([{ type: 'file', name: 'big', body }]));
    assert.ok(fs.readFileSync(at('big')).equals(body));
  });

  test('many bodiless entries in one chunk neither recurse nor stall', { timeout: 60_000 }, async () => {
    const specs: TarSpec[] = Array.from({ length: 5000 }, (_, i) => ({ type: i % 2 ? 'file' : 'dir', name: `e/${i}` }));
    const tar = await buildTar(specs);
    const res = await extractInto(sb, tar, {}, tar.length);
    assert.equal(res.entryCount, 5000);
    assert.equal(fs.readdirSync(at('e')).length, 5000);
  });
});
