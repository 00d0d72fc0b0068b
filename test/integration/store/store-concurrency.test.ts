// The store under concurrent and interrupted imports (DESIGN "Store"): parallel fetches of
// different images and of the same image all succeed and index each image once; a fetch killed
// with SIGKILL half way leaves no record and no blob under a name it does not hash to, and
// `image gc` clears its debris; staged debris from an earlier crash does not get in the way.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  badBlobs, fetchOk, hashFile, namesIn, readImageRecords, runSkiff, skiffOk, skipUnlessRootAndBuilt, startSkiff, tempDir,
} from '../../helpers/cli.ts';
import type { RunResult, TempDir } from '../../helpers/cli.ts';
import { buildAci, buildBusyboxRootfs, buildOciLayout, skipUnlessTools } from '../../helpers/images.ts';

const skip = skipUnlessRootAndBuilt() || skipUnlessTools('umoci', 'tar', 'gzip', 'busybox');

let tmp: TempDir;
const different: string[] = []; // five ACIs, five images
let oci = ''; // a two-layer OCI layout, tag "latest"
let big = ''; // a plain ACI of ~80 MB of random data
let bigId = '';

const data = (name: string): string => path.join(tmp.path, `data-${name}`);

interface ListedImage { id: string; name: string }

async function listImages(dataDir: string): Promise<ListedImage[]> {
  return JSON.parse(await skiffOk(dataDir, ['image', 'list', '--format=json'])) as ListedImage[];
}

function assertAllSucceeded(results: RunResult[]): void {
  for (const r of results) assert.equal(r.code, 0, `a parallel fetch failed: ${r.stderr}`);
}

function parallelFetch(dataDir: string, refs: readonly string[]): Promise<RunResult[]> {
  return Promise.all(refs.map((ref) => runSkiff(['--insecure-options=image', 'fetch', ref], { dataDir })));
}

describe('store concurrency and crashes', { skip }, () => {
  before(async () => {
    tmp = tempDir('skiff-store-conc-');
    for (let i = 0; i < 5; i++) {
      different.push(await buildAci(path.join(tmp.path, `app-${i}.aci`), {
        name: `example.com/app-${i}`, version: '1', compression: 'gzip', extraFiles: { '/etc/which': `${i}\n` },
      }));
    }
    oci = await buildOciLayout(path.join(tmp.path, 'oci'), {
      tag: 'latest', layers: [{ busybox: true }, { files: { '/etc/layer2': 'two\n' } }], config: { Cmd: ['/bin/true'] },
    });
    const rootfs = await buildBusyboxRootfs(path.join(tmp.path, 'big-rootfs'));
    for (let i = 0; i < 4; i++) fs.writeFileSync(path.join(rootfs, `blob-${i}.bin`), randomBytes(20 * 1024 * 1024));
    big = await buildAci(path.join(tmp.path, 'big.aci'), { name: 'example.com/big', compression: 'none', rootfsDir: rootfs });
    bigId = `sha512-${hashFile(big, 'sha512')}`;
  });
  after(() => tmp?.cleanup());

  it('five parallel fetches of different images into a new data dir all succeed', async () => {
    const d = data('different');
    const results = await parallelFetch(d, different);
    assertAllSucceeded(results);
    const ids = results.map((r) => r.stdout.trim());
    assert.equal(new Set(ids).size, 5);
    const listed = await listImages(d);
    assert.deepEqual(listed.map((i) => i.id).sort(), [...ids].sort());
    assert.deepEqual(listed.map((i) => i.name).sort(), different.map((_, i) => `example.com/app-${i}`));
    assert.deepEqual(badBlobs(d), []);
    assert.deepEqual(namesIn(path.join(d, 'cas/tmp')), []);
    assert.deepEqual(namesIn(path.join(d, 'tree/tmp')), []);
  });

  it('five parallel fetches of the same image (ACI and OCI) all succeed and index it once', async () => {
    const d = data('same');
    const results = await parallelFetch(d, [...Array(5).fill(different[0]!), ...Array(5).fill(oci)] as string[]);
    assertAllSucceeded(results);
    const ids = new Set(results.map((r) => r.stdout.trim()));
    assert.equal(ids.size, 2);
    const listed = await listImages(d);
    assert.deepEqual(listed.map((i) => i.id).sort(), [...ids].sort());
    assert.deepEqual(badBlobs(d), []);
    assert.deepEqual(namesIn(path.join(d, 'cas/tmp')), []);
    assert.deepEqual(namesIn(path.join(d, 'tree/tmp')), []);
    // Every tree an image names is rendered and verifies.
    for (const id of ids) {
      await skiffOk(d, ['image', 'render', id, path.join(tmp.path, `same-${id.slice(0, 12).replace(':', '-')}`)]);
    }
  });

  it('a fetch killed half way leaves no record and no wrong blob, and image gc clears its debris', async () => {
    const d = data('killed');
    await fetchOk(d, [different[1]!]);
    const fetching = startSkiff(['--insecure-options=image', 'fetch', big], { dataDir: d });
    let exited = false;
    void fetching.done.then(() => (exited = true), () => (exited = true));
    const casTmp = path.join(d, 'cas/tmp');
    // Kill once a good part of the blob is written: after the first bytes, before the commit.
    for (;;) {
      const sizes = namesIn(casTmp).map((n) => fs.statSync(path.join(casTmp, n), { throwIfNoEntry: false })?.size ?? 0);
      if (sizes.some((s) => s > 24 * 1024 * 1024)) break;
      assert.equal(exited, false, 'the fetch finished before it could be killed');
      await sleep(5);
    }
    fetching.kill('SIGKILL');
    const res = await fetching.done;
    assert.equal(res.signal, 'SIGKILL');
    assert.deepEqual(readImageRecords(d).map((r) => r.id).filter((id) => id === bigId), []);
    assert.equal(fs.existsSync(path.join(d, 'cas/blobs/sha512', bigId.slice(7))), false);
    assert.equal(fs.existsSync(path.join(d, 'tree', bigId, 'rendered')), false);
    assert.deepEqual(badBlobs(d), []);
    assert.notDeepEqual(namesIn(casTmp), [], 'the killed fetch left its temp blob');
    assert.equal((await listImages(d)).length, 1);
    await skiffOk(d, ['image', 'gc']);
    assert.deepEqual(namesIn(casTmp), []);
    assert.deepEqual(namesIn(path.join(d, 'tree/tmp')), []);
    // The store works on: the image imports in full, the earlier one is untouched.
    assert.deepEqual(await fetchOk(d, [big]), [bigId]);
    assert.equal((await listImages(d)).length, 2);
    assert.deepEqual(badBlobs(d), []);
  });

  it('debris of an earlier crash (a half blob, a half-rendered tree under its final name) does not get in the way', async () => {
    const d = data('debris');
    const [id] = await fetchOk(d, [different[2]!]);
    await skiffOk(d, ['image', 'rm', id!]);
    await skiffOk(d, ['image', 'gc']);
    // What a crash can leave: a partial temp blob, and a renamed tree whose marker was never written.
    fs.writeFileSync(path.join(d, 'cas/tmp', 'blob-99999-0123456789ab'), randomBytes(1000));
    fs.mkdirSync(path.join(d, 'tree', id!, 'rootfs', 'etc'), { recursive: true });
    fs.writeFileSync(path.join(d, 'tree', id!, 'rootfs', 'etc', 'half'), 'half\n');
    assert.deepEqual(await fetchOk(d, [different[2]!]), [id]);
    const out = path.join(tmp.path, 'debris-render');
    await skiffOk(d, ['image', 'render', '--rootfs-only', id!, out]);
    assert.equal(fs.existsSync(path.join(out, 'etc/half')), false);
    assert.equal(fs.readFileSync(path.join(out, 'etc/which'), 'utf8'), '2\n');
    await skiffOk(d, ['image', 'gc']);
    assert.deepEqual(namesIn(path.join(d, 'cas/tmp')), []);
  });
});
