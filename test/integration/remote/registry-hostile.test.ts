// `skiff fetch docker://…` against a registry that lies (test/helpers/fake-registry.ts): wrong
// bytes for a digest, short bodies, a wrong content type, a huge manifest, redirect and 401
// loops, error statuses, a missing tag, nobody listening. Each is refused with exit 1 and one
// `skiff:` line, and the store is exactly as it was. A connection dropped mid-layer is resumed
// with a Range request and the pull succeeds.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { badBlobs, expectOneErrorLine, lines, namesIn, skipUnlessRootAndBuilt, storeSnapshot, tempDir } from '../../helpers/cli.ts';
import type { TempDir } from '../../helpers/cli.ts';
import { startFakeRegistry } from '../../helpers/fake-registry.ts';
import type { FakeRegistry, Fault, OciServed } from '../../helpers/fake-registry.ts';
import { buildOciLayout, skipUnlessTools } from '../../helpers/images.ts';
import { freePort } from '../../helpers/registry.ts';
import { ok, skiffEnv } from './registry-kit.ts';
import type { SkiffEnv } from './registry-kit.ts';

const skip = skipUnlessRootAndBuilt() || skipUnlessTools('umoci', 'tar', 'gzip', 'busybox');

let tmp: TempDir;
let sk: SkiffEnv;
let fake: FakeRegistry;
let app: OciServed; // busybox layer (~1 MB gzip) + one small layer, served as app/x:1
let store = ''; // holds the image "prime/x:1"; refused pulls must leave it as it is
let n = 0;
const freshData = (): string => path.join(tmp.path, `data-${n++}`);

/**
 * What a refused pull may leave: nothing but layers of the image that were downloaded in
 * parallel and verified before another part failed (import-oci.ts keeps them, as blobs and trees
 * no image refers to; gc removes them). No image record, no cache record, nothing unverified.
 */
function unexpectedChanges(before: string[], after: string[]): string[] {
  const added = after.filter((l) => !before.includes(l));
  const removed = before.filter((l) => !after.includes(l)).map((l) => `removed ${l}`);
  const rendered = new Set(added.flatMap((l) => /^tree\/([^/]+)\/rendered /.exec(l)?.[1] ?? []));
  const verifiedLayer = (l: string): boolean => {
    const blob = /^cas\/blobs\/sha256\/([0-9a-f]{64}) \d+$/.exec(l);
    if (blob) return app.layerDigests.includes(`sha256:${blob[1]}`);
    const tree = /^tree\/([^/]+)\//.exec(l);
    return tree !== null && rendered.has(tree[1]!);
  };
  return [...removed, ...added.filter((l) => !verifiedLayer(l)).map((l) => `added ${l}`)];
}

/** Pulls `ref` into the primed store and expects a one-line refusal matching `pattern`, the store unchanged. */
async function refused(ref: string, pattern: RegExp): Promise<string> {
  const before = storeSnapshot(store);
  const line = expectOneErrorLine(await sk.fetch(store, ref), `fetch ${ref}`);
  assert.match(line, pattern);
  assert.deepEqual(unexpectedChanges(before, storeSnapshot(store)), [], 'the store is unchanged');
  assert.deepEqual(badBlobs(store), []);
  return line;
}

async function refusedWith(key: string, fault: Fault, pattern: RegExp, ref = fake.ref('app/x:1')): Promise<string> {
  fake.fault(key, fault);
  return refused(ref, pattern);
}

describe('skiff fetch docker:// from a hostile registry', { skip }, () => {
  before(async () => {
    tmp = tempDir('skiff-registry-hostile-');
    sk = skiffEnv(tmp.path);
    const layout = path.join(tmp.path, 'oci');
    await buildOciLayout(layout, { tag: 'app', layers: [{ busybox: true }, { files: { '/etc/app.conf': 'app\n' } }] });
    await buildOciLayout(layout, { tag: 'prime', layers: [{ files: { '/prime': 'prime\n' } }] });
    fake = await startFakeRegistry();
    app = fake.addOciLayout(layout, 'app', 'app/x', '1');
    fake.addOciLayout(layout, 'prime', 'prime/x', '1');
    store = freshData();
    ok(await sk.fetch(store, fake.ref('prime/x:1')), 'priming the store');
  });
  beforeEach(() => fake.clearFaults());
  after(async () => {
    await fake?.stop();
    tmp?.cleanup();
  });

  it('serves the image when it does not lie (the control case)', async () => {
    const data = freshData();
    const res = await sk.fetch(data, fake.ref('app/x:1'));
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(lines(res.stdout), [app.manifestDigest]);
  });

  it('refuses a layer whose bytes do not match its digest', async () => {
    await refusedWith(app.layerDigests[0]!, { kind: 'wrong-digest' }, /digest|sha256/i);
  });

  it('refuses a config whose bytes do not match its digest', async () => {
    await refusedWith(app.configDigest, { kind: 'wrong-digest' }, /digest|sha256/i);
  });

  it('refuses a manifest whose bytes do not match the digest asked for or claimed', async () => {
    await refusedWith(app.manifestDigest, { kind: 'wrong-digest' }, /digest|sha256|json|manifest/i, fake.ref(`app/x@${app.manifestDigest}`));
    await refusedWith(app.manifestDigest, { kind: 'wrong-digest' }, /digest|sha256|json|manifest/i);
  });

  it('refuses a short layer and a short config', async () => {
    await refusedWith(app.layerDigests[0]!, { kind: 'truncated' }, /bytes|short|size|truncat|end|digest/i);
    fake.clearFaults();
    await refusedWith(app.configDigest, { kind: 'truncated' }, /bytes|short|size|truncat|digest/i);
  });

  it('refuses a manifest served with a content type that is not a manifest', async () => {
    await refusedWith('app/x:1', { kind: 'content-type', value: 'text/html' }, /content.type|text\/html/i);
  });

  it('refuses a huge manifest without reading it all, with or without Content-Length', async () => {
    await refusedWith('app/x:1', { kind: 'huge', bytes: 64 << 20 }, /large|bytes|limit|big/i);
    await refusedWith('app/x:1', { kind: 'huge', bytes: 64 << 20, chunked: true }, /large|bytes|limit|big/i);
  });

  it('follows a blob redirect, and refuses a redirect loop', async () => {
    fake.fault(app.layerDigests[0]!, { kind: 'redirect' });
    const res = await sk.fetch(freshData(), fake.ref('app/x:1'));
    assert.equal(res.code, 0, res.stderr);
    fake.clearFaults();
    const mark = fake.requests.length;
    await refusedWith(app.layerDigests[0]!, { kind: 'redirect-loop' }, /redirect/i);
    assert.ok(fake.requests.length - mark < 40, `it gave up (${fake.requests.length - mark} requests)`);
  });

  it('resumes a layer download dropped mid-way with a Range request', async () => {
    const layer = app.layerDigests[0]!;
    const size = app.manifest.layers[0]!.size;
    fake.fault(layer, { kind: 'drop', after: 200_000 });
    const mark = fake.requests.length;
    const data = freshData();
    const res = await sk.fetch(data, fake.ref('app/x:1'));
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(lines(res.stdout), [app.manifestDigest]);
    const gets = fake.requests.slice(mark).filter((r) => r.method === 'GET' && r.path.endsWith(layer));
    assert.ok(gets.some((r) => r.range !== undefined && /^bytes=\d+-$/.test(r.range)), JSON.stringify(gets));
    const resumedAt = Number(/\d+/.exec(gets.find((r) => r.range)!.range!)![0]);
    assert.ok(resumedAt > 0 && resumedAt <= 200_000 && resumedAt < size, `resumed at ${resumedAt}`);
    assert.deepEqual(badBlobs(data), []);
    assert.deepEqual(namesIn(path.join(data, 'cas', 'tmp')), []);
  });

  it('gives up on a connection that keeps dropping', async () => {
    const layer = app.layerDigests[0]!;
    const mark = fake.requests.length;
    await refusedWith(layer, { kind: 'drop', after: 50_000, times: 1000, ranges: true }, /cut short|connection|closed|reset/i);
    const tries = fake.requests.slice(mark).filter((r) => r.path.endsWith(layer)).length;
    assert.ok(tries >= 2 && tries <= 12, `${tries} tries`);
  });

  it('refuses a tag the registry does not have, and an error status', async () => {
    await refused(fake.ref('app/x:nope'), /nope/);
    // Layer 1 (busybox) never got in: every earlier refusal broke it or came before it.
    await refusedWith(app.layerDigests[0]!, { kind: 'status', status: 500 }, /500/);
  });

  it('stops asking a registry that answers 401 to every token', async () => {
    const loop = await startFakeRegistry({ authLoop: true });
    try {
      const line = await refused(loop.ref('app/x:1'), /auth|401|unauthori[sz]ed|denied|credential/i);
      assert.ok(line.length < 400, line);
      assert.ok(loop.requests.length < 10, `gave up after ${loop.requests.length} requests`);
    } finally {
      await loop.stop();
    }
  });

  it('a layer whose diff_id lies is stored (its blob is verified) but refused at first use, rendering nothing', async () => {
    const layout = path.join(tmp.path, 'oci');
    const configPath = path.join(layout, 'blobs', ...app.configDigest.split(':'));
    const config = JSON.parse(fs.readFileSync(configPath, 'utf8')) as { rootfs: { diff_ids: string[] } };
    config.rootfs.diff_ids[1] = `sha256:${'0'.repeat(64)}`;
    const configBytes = Buffer.from(JSON.stringify(config));
    const configDigest = fake.addBlob(configBytes);
    const manifest = { ...app.manifest, schemaVersion: 2, config: { ...app.manifest.config, digest: configDigest, size: configBytes.length } };
    const id = fake.addManifest('liar/x', '1', JSON.stringify(manifest), 'application/vnd.oci.image.manifest.v1+json');
    const data = freshData();
    assert.deepEqual(lines(ok(await sk.fetch(data, fake.ref('liar/x:1')), 'fetch')), [id]);
    const before = storeSnapshot(data).filter((l) => l.startsWith('tree/') && !l.startsWith('tree/tmp'));
    const line = expectOneErrorLine(await sk.run(data, ['image', 'render', id, path.join(tmp.path, `liar-${n++}`)]), 'image render');
    assert.match(line, /diff_id/);
    const after = storeSnapshot(data).filter((l) => l.startsWith('tree/') && !l.startsWith('tree/tmp'));
    assert.deepEqual(after.filter((l) => l.includes('0'.repeat(64))), [], 'no tree under the false diff_id');
    assert.ok(after.length >= before.length);
    assert.deepEqual(namesIn(path.join(data, 'tree', 'tmp')), []);
  });

  it('refuses a registry nobody listens on, in one line', async () => {
    const port = await freePort();
    await refused(`docker://127.0.0.1:${port}/app/x:1`, /refused|connect|127\.0\.0\.1/i);
  });
});
