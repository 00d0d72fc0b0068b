// `skiff fetch` of ACIs: every compression imports, the ID is the sha512 of the uncompressed tar
// (computed here independently of skiff), an image is stored once however often it is fetched,
// IDs, ID prefixes and NAME[:VERSION] name it, and an unsigned image needs --insecure-options=image.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  expectOneErrorLine, fetchOk, namesIn, readImageRecords, runSkiff, skipUnlessRootAndBuilt, storeSnapshot, tempDir,
} from '../../helpers/cli.ts';
import type { TempDir } from '../../helpers/cli.ts';
import { buildAci, skipUnlessTools } from '../../helpers/images.ts';
import type { AciCompression } from '../../helpers/images.ts';

const skip = skipUnlessRootAndBuilt() || skipUnlessTools('tar', 'gzip', 'bzip2', 'xz', 'busybox');

const NAME = 'example.com/aci-test';
const VERSION = '1.0.0';
const DECOMPRESS: Record<AciCompression, string[] | null> = {
  none: null, gzip: ['gzip', '-dc'], bzip2: ['bzip2', '-dc'], xz: ['xz', '-dc'],
};

/** sha512 of the tar inside `file`, decompressed by the system tool, not by skiff. */
async function sha512OfTar(file: string, compression: AciCompression): Promise<string> {
  const hash = createHash('sha512');
  const tool = DECOMPRESS[compression];
  const stream = tool === null
    ? fs.createReadStream(file)
    : spawn(tool[0]!, [...tool.slice(1), file], { stdio: ['ignore', 'pipe', 'inherit'] }).stdout!;
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

let tmp: TempDir;
const acis = {} as Record<AciCompression, string>;

describe('skiff fetch ACI', { skip }, () => {
  before(async () => {
    tmp = tempDir('skiff-fetch-aci-');
    for (const c of ['none', 'gzip', 'bzip2', 'xz'] as const) {
      acis[c] = await buildAci(path.join(tmp.path, `image-${c}.aci`), {
        name: NAME, version: VERSION, compression: c, extraFiles: { '/etc/hello': 'hello\n' },
      });
    }
  });
  after(() => tmp?.cleanup());

  for (const c of ['none', 'gzip', 'bzip2', 'xz'] as const) {
    it(`imports a ${c === 'none' ? 'plain' : c} ACI under sha512- of its uncompressed tar`, async () => {
      const data = path.join(tmp.path, `data-${c}`);
      const ids = await fetchOk(data, [acis[c]]);
      assert.deepEqual(ids, [`sha512-${await sha512OfTar(acis[c], c)}`]);
      const [rec] = readImageRecords(data);
      assert.equal(rec?.id, ids[0]);
      assert.equal(rec?.format, 'aci');
      assert.equal(rec?.name, NAME);
      assert.equal(rec?.version, VERSION);
      // The blob is the uncompressed tar, under the image ID's digest.
      assert.deepEqual(namesIn(path.join(data, 'cas/blobs/sha512')), [ids[0]!.slice('sha512-'.length)]);
      assert.equal(fs.readFileSync(path.join(data, 'tree', ids[0]!, 'rootfs/etc/hello'), 'utf8'), 'hello\n');
    });
  }

  it('stores an image once however often and in whatever compression it is fetched', async () => {
    const data = path.join(tmp.path, 'data-once');
    const first = await fetchOk(data, [acis.gzip]);
    const again = await fetchOk(data, [acis.gzip, acis.none, acis.xz]);
    assert.deepEqual(again, [first[0], first[0], first[0]]);
    assert.equal(readImageRecords(data).length, 1);
    assert.equal(namesIn(path.join(data, 'images')).length, 1);
    assert.equal(namesIn(path.join(data, 'cas/blobs/sha512')).length, 1);
    assert.deepEqual(namesIn(path.join(data, 'cas/blobs/sha256')), []);
    assert.deepEqual(namesIn(path.join(data, 'tree')), [first[0], 'tmp'].sort());
    assert.deepEqual(namesIn(path.join(data, 'cas/tmp')), []);
    assert.deepEqual(namesIn(path.join(data, 'tree/tmp')), []);
  });

  it('finds the image by ID, ID prefix and NAME[:VERSION] in image cat-manifest', async () => {
    const data = path.join(tmp.path, 'data-names');
    const [id] = await fetchOk(data, [acis.gzip]);
    assert.ok(id);
    const hex = id.slice('sha512-'.length);
    for (const ref of [id, id.slice(0, 19), `sha512-${hex.slice(0, 8)}`, hex.slice(0, 12), NAME, `${NAME}:${VERSION}`]) {
      const res = await runSkiff(['image', 'cat-manifest', ref], { dataDir: data });
      assert.equal(res.code, 0, `${ref}: ${res.stderr}`);
      const manifest = JSON.parse(res.stdout) as { acKind: string; name: string; labels: { name: string; value: string }[] };
      assert.equal(manifest.acKind, 'ImageManifest', ref);
      assert.equal(manifest.name, NAME, ref);
      assert.ok(manifest.labels.some((l) => l.name === 'version' && l.value === VERSION), ref);
    }
    for (const ref of [`${NAME}:9.9`, 'example.com/other', 'sha512-0000000']) {
      const line = expectOneErrorLine(await runSkiff(['image', 'cat-manifest', ref], { dataDir: data }), ref);
      assert.match(line, /no image/, ref);
    }
  });

  it('refuses an unsigned image without --insecure-options=image and leaves the store as it was', async () => {
    const data = path.join(tmp.path, 'data-insecure');
    await fetchOk(data, [acis.none]);
    const before = storeSnapshot(data);
    for (const file of [acis.gzip, acis.xz]) {
      const res = await runSkiff(['fetch', file], { dataDir: data });
      const line = expectOneErrorLine(res, `fetch ${file}`);
      assert.match(line, /--insecure-options=image/);
      assert.equal(res.stdout, '');
      assert.deepEqual(storeSnapshot(data), before);
    }
  });
});
