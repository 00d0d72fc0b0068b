// The `skiff image …` commands end to end: list's JSON, rm then gc, export (an ACI byte for byte,
// an OCI image as an ACI that renders the same), extract (the rootfs re-read from the blobs)
// against render, and --help for every command.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  expectOneErrorLine, fetchOk, hashFile, namesIn, readImageRecords, runSkiff, skiffOk, skipUnlessRootAndBuilt, storeSnapshot, tempDir,
} from '../../helpers/cli.ts';
import type { TempDir } from '../../helpers/cli.ts';
import { buildAci, buildMultiLayerOci, compareTrees, missingTools, skipUnlessTools } from '../../helpers/images.ts';

const skip = skipUnlessRootAndBuilt() || skipUnlessTools('tar', 'gzip', 'busybox');
const skipOci = missingTools('umoci').length > 0 && 'needs umoci (apt-get install umoci)';

let tmp: TempDir;
let aciA = '';
let aciB = '';
let multi = '';
let n = 0;

const fresh = (what: string): string => path.join(tmp.path, `${what}-${n++}`);

interface Listed { id: string; name: string; version?: string; size: number; importedAt: string; format: string; source: string }

describe('skiff image commands', { skip }, () => {
  before(async () => {
    tmp = tempDir('skiff-image-cmds-');
    aciA = await buildAci(path.join(tmp.path, 'a.aci'), {
      name: 'example.com/a', version: '1.2', compression: 'gzip',
      extraFiles: { '/etc/a': 'a\n', '/usr/bin/tool': { content: '#!/bin/sh\n', mode: 0o4755 } },
    });
    aciB = await buildAci(path.join(tmp.path, 'b.aci'), { name: 'example.com/b', compression: 'xz', extraFiles: { '/etc/b': 'b\n' } });
    if (!skipOci) multi = await buildMultiLayerOci(path.join(tmp.path, 'multi'), 'multi');
  });
  after(() => tmp?.cleanup());

  it('image list --format=json gives id, name, version, size and importedAt', async () => {
    const data = fresh('data');
    assert.deepEqual(JSON.parse(await skiffOk(data, ['image', 'list', '--format=json'])), []);
    const started = Date.now();
    const [a, b] = await fetchOk(data, [aciA, aciB]);
    const listed = JSON.parse(await skiffOk(data, ['image', 'list', '--format=json'])) as Listed[];
    assert.deepEqual(listed.map((i) => i.id).sort(), [a, b].sort());
    const la = listed.find((i) => i.id === a)!;
    assert.equal(la.name, 'example.com/a');
    assert.equal(la.version, '1.2');
    assert.equal(la.format, 'aci');
    assert.equal(la.source, aciA);
    // The size of what the store holds for it: the uncompressed tar.
    assert.equal(la.size, fs.statSync(path.join(data, 'cas/blobs/sha512', a!.slice(7))).size);
    const t = Date.parse(la.importedAt);
    assert.ok(Number.isFinite(t) && t >= started - 1000 && t <= Date.now() + 1000, la.importedAt);
    assert.equal(listed.find((i) => i.id === b)!.version, undefined);
    const table = await skiffOk(data, ['image', 'list']);
    assert.match(table, /^ID\s+NAME\s+VERSION\s+SIZE\s+IMPORTED/);
    assert.match(table, /example\.com\/a\s+1\.2/);
  });

  it('image rm by name, then image gc removes its blob and tree and keeps the rest', async () => {
    const data = fresh('data');
    const [a, b] = await fetchOk(data, [aciA, aciB]);
    assert.deepEqual((await skiffOk(data, ['image', 'rm', 'example.com/a'])).trim(), a);
    const listed = JSON.parse(await skiffOk(data, ['image', 'list', '--format=json'])) as Listed[];
    assert.deepEqual(listed.map((i) => i.id), [b]);
    // rm only drops the record; the data goes at gc.
    assert.ok(fs.existsSync(path.join(data, 'cas/blobs/sha512', a!.slice(7))));
    assert.ok(fs.existsSync(path.join(data, 'tree', a!)));
    const gc = await runSkiff(['image', 'gc'], { dataDir: data });
    assert.equal(gc.code, 0, gc.stderr);
    assert.match(gc.stderr, /removed 1 blobs, 1 trees/);
    assert.deepEqual(namesIn(path.join(data, 'cas/blobs/sha512')), [b!.slice(7)]);
    assert.deepEqual(namesIn(path.join(data, 'tree')), [b, 'tmp'].sort());
    const before = storeSnapshot(data);
    const line = expectOneErrorLine(await runSkiff(['image', 'rm', 'example.com/a'], { dataDir: data }));
    assert.match(line, /no image example\.com\/a/);
    assert.deepEqual(storeSnapshot(data), before);
    await skiffOk(data, ['image', 'gc']);
    assert.deepEqual(storeSnapshot(data), before, 'a second gc has nothing to do');
  });

  it('image export writes an imported ACI back byte for byte, and it re-imports to the same ID', async () => {
    const data = fresh('data');
    const [id] = await fetchOk(data, [aciA]);
    const out = path.join(tmp.path, `export-${n++}.aci`);
    await skiffOk(data, ['image', 'export', id!, out]);
    assert.equal(`sha512-${hashFile(out, 'sha512')}`, id);
    assert.deepEqual(await fetchOk(fresh('data'), [out]), [id]);
    const line = expectOneErrorLine(await runSkiff(['image', 'export', id!, out], { dataDir: data }));
    assert.match(line, /already exists.*--overwrite/);
    await skiffOk(data, ['image', 'export', '--overwrite', 'example.com/a:1.2', out]);
    assert.equal(`sha512-${hashFile(out, 'sha512')}`, id);
  });

  it('image export of an OCI image gives an ACI that renders as the OCI image does', { skip: skipOci }, async () => {
    const data = fresh('data');
    const [ociId] = await fetchOk(data, [multi]);
    const out = path.join(tmp.path, `export-${n++}.aci`);
    await skiffOk(data, ['image', 'export', ociId!, out]);
    const other = fresh('data');
    const [aciId] = await fetchOk(other, [out]);
    assert.match(aciId ?? '', /^sha512-/);
    assert.equal(readImageRecords(other)[0]?.format, 'aci');
    const ociManifest = JSON.parse(await skiffOk(data, ['image', 'cat-manifest', ociId!])) as unknown;
    assert.deepEqual(JSON.parse(await skiffOk(other, ['image', 'cat-manifest', aciId!])), ociManifest);
    const fromOci = fresh('render');
    const fromAci = fresh('render');
    await skiffOk(data, ['image', 'render', '--rootfs-only', ociId!, fromOci]);
    await skiffOk(other, ['image', 'render', '--rootfs-only', aciId!, fromAci]);
    assert.deepEqual(compareTrees(fromOci, fromAci, { mtimes: true }), []);
    // Exporting the same image twice gives the same bytes (so the same ID).
    const again = path.join(tmp.path, `export-${n++}.aci`);
    await skiffOk(data, ['image', 'export', ociId!, again]);
    assert.equal(hashFile(again, 'sha512'), hashFile(out, 'sha512'));
  });

  it('image extract of an ACI equals image render', async () => {
    const data = fresh('data');
    const [id] = await fetchOk(data, [aciA]);
    const rendered = fresh('render');
    const extracted = fresh('extract');
    await skiffOk(data, ['image', 'render', id!, rendered]);
    await skiffOk(data, ['image', 'extract', id!, extracted]);
    assert.deepEqual(compareTrees(path.join(rendered, 'rootfs'), path.join(extracted, 'rootfs'), { mtimes: true }), []);
    assert.equal(fs.readFileSync(path.join(extracted, 'manifest'), 'utf8'), fs.readFileSync(path.join(rendered, 'manifest'), 'utf8'));
    assert.equal(fs.statSync(path.join(extracted, 'rootfs/usr/bin/tool')).mode & 0o7777, 0o4755);
    const rootfsOnly = fresh('extract');
    await skiffOk(data, ['image', 'extract', '--rootfs-only', id!, rootfsOnly]);
    assert.deepEqual(compareTrees(path.join(rendered, 'rootfs'), rootfsOnly, { mtimes: true }), []);
  });

  it('image extract of the multi-layer OCI image equals image render', { skip: skipOci }, async () => {
    const data = fresh('data');
    const [id] = await fetchOk(data, [multi]);
    const rendered = fresh('render');
    const extracted = fresh('extract');
    await skiffOk(data, ['image', 'render', '--rootfs-only', id!, rendered]);
    await skiffOk(data, ['image', 'extract', '--rootfs-only', id!, extracted]);
    assert.deepEqual(compareTrees(rendered, extracted, { mtimes: true }), []);
  });

  it('image render and extract refuse a directory that is not empty', async () => {
    const data = fresh('data');
    const [id] = await fetchOk(data, [aciB]);
    const full = fresh('full');
    fs.mkdirSync(full);
    fs.writeFileSync(path.join(full, 'x'), 'x');
    for (const cmd of ['render', 'extract']) {
      const line = expectOneErrorLine(await runSkiff(['image', cmd, id!, full], { dataDir: data }), cmd);
      assert.match(line, /not empty/);
    }
    assert.deepEqual(fs.readdirSync(full), ['x']);
  });

  it('a missing argument or unknown option is one usage line, and creates no data dir', async () => {
    const data = fresh('data');
    for (const args of [['fetch'], ['image', 'rm'], ['image', 'cat-manifest'], ['image', 'export', 'x'], ['image', 'render', 'x'], ['image', 'list', '--bogus']]) {
      const line = expectOneErrorLine(await runSkiff(args, { dataDir: data }), args.join(' '));
      assert.match(line, /argument|unknown/i, args.join(' '));
    }
    assert.equal(fs.existsSync(data), false);
  });

  const commands = [
    ['fetch'], ['image'], ['image', 'list'], ['image', 'rm'], ['image', 'cat-manifest'], ['image', 'export'],
    ['image', 'extract'], ['image', 'render'], ['image', 'gc'], ['version'], [],
  ];
  for (const cmd of commands) {
    it(`skiff ${[...cmd, '--help'].join(' ')} prints usage and exits 0`, async () => {
      const res = await runSkiff([...cmd, '--help']);
      assert.equal(res.code, 0, res.stderr);
      assert.equal(res.stderr, '');
      assert.match(res.stdout, new RegExp(`^skiff ${cmd.join(' ')}`.trimEnd()));
      assert.match(res.stdout, /--help/);
    });
  }
});
