// Hostile and broken images through the CLI: each is refused with exit 1 and one `skiff: ` line
// (no stack trace), nothing lands outside the store (a canary directory beside the sandbox that
// holds the data dir stays as it was), and the store is exactly as it was before the fetch.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  expectOneErrorLine, fetchOk, runSkiff, skiffOk, skipUnlessRootAndBuilt, storeSnapshot, tempDir,
} from '../../helpers/cli.ts';
import type { TempDir } from '../../helpers/cli.ts';
import { aciManifest, buildAci, skipUnlessTools } from '../../helpers/images.ts';
import { buildTar, endOfArchive, rawHeader } from '../../helpers/tar-builder.ts';
import type { TarSpec } from '../../helpers/tar-builder.ts';

const skip = skipUnlessRootAndBuilt() || skipUnlessTools('tar', 'gzip', 'busybox');

// Layout: ROOT/sandbox/data is the data dir, ROOT/sandbox/images the hostile files,
// ROOT/canary a directory every escape below aims at.
let tmp: TempDir;
let data = '';
let images = '';
let canary = '';
let canaryFile = '';

/** From a render dir's rootfs (data/tree/tmp/render-X/rootfs) up to ROOT, then into canary. */
const UP_TO_CANARY = '../'.repeat(6) + 'canary';

function manifestBytes(overrides: Record<string, unknown> = {}, drop: string[] = []): string {
  const m: Record<string, unknown> = { ...aciManifest({ name: 'example.com/hostile', version: '1', compression: 'none' }), ...overrides };
  for (const k of drop) delete m[k];
  return JSON.stringify(m);
}

/** A plain ACI: manifest, rootfs/, rootfs/etc/, then `rest`. */
async function hostileAci(name: string, rest: TarSpec[], manifest = manifestBytes()): Promise<string> {
  const file = path.join(images, `${name}.aci`);
  fs.writeFileSync(file, await buildTar([
    { type: 'file', name: 'manifest', body: manifest },
    { type: 'dir', name: 'rootfs' },
    { type: 'dir', name: 'rootfs/etc' },
    { type: 'file', name: 'rootfs/etc/ok', body: 'ok\n' },
    ...rest,
  ]));
  return file;
}

const sha256 = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

interface LayoutTweaks {
  /** Replace layer i's bytes after its digest was taken (a tampered blob). */
  tamper?: number;
  /** Give layer i a wrong diff_id in the config. */
  wrongDiffId?: number;
}

/** A minimal OCI layout written by hand: gzip layers of the given tars, config, manifest, index. */
function handmadeLayout(name: string, layerTars: Buffer[], tweaks: LayoutTweaks = {}): string {
  const dir = path.join(images, name);
  const blobs = path.join(dir, 'blobs', 'sha256');
  fs.mkdirSync(blobs, { recursive: true });
  const put = (bytes: Buffer | string): string => {
    const digest = sha256(bytes);
    fs.writeFileSync(path.join(blobs, digest.slice(7)), bytes);
    return digest;
  };
  const layers = layerTars.map((tar, i) => {
    const gz = gzipSync(tar);
    const digest = put(gz);
    if (tweaks.tamper === i) fs.writeFileSync(path.join(blobs, digest.slice(7)), gzipSync(Buffer.concat([tar.subarray(0, 512), Buffer.alloc(tar.length - 512)])));
    return { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest, size: gz.length };
  });
  const config = JSON.stringify({
    architecture: 'amd64', os: 'linux', config: { Cmd: ['/bin/true'] },
    rootfs: { type: 'layers', diff_ids: layerTars.map((t, i) => (tweaks.wrongDiffId === i ? sha256('wrong') : sha256(t))) },
  });
  const configDesc = { mediaType: 'application/vnd.oci.image.config.v1+json', digest: put(config), size: config.length };
  const manifest = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: configDesc, layers });
  const index = {
    schemaVersion: 2,
    manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: put(manifest), size: manifest.length, annotations: { 'org.opencontainers.image.ref.name': 'latest' } }],
  };
  fs.writeFileSync(path.join(dir, 'index.json'), JSON.stringify(index));
  fs.writeFileSync(path.join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  return dir;
}

function snapshotOutside(): string[] {
  const root = path.dirname(path.dirname(data));
  return storeSnapshot(root).filter((p) => !p.startsWith('sandbox/data/') && p !== 'sandbox/data/');
}

async function expectRefused(file: string, pattern: RegExp, extra: string[] = []): Promise<void> {
  const before = storeSnapshot(data);
  const outside = snapshotOutside();
  const res = await runSkiff(['--insecure-options=image', ...extra, 'fetch', file], { dataDir: data });
  const line = expectOneErrorLine(res, path.basename(file));
  assert.match(line, pattern);
  assert.equal(res.stdout, '');
  assert.deepEqual(storeSnapshot(data), before, 'the store is as it was');
  assert.deepEqual(snapshotOutside(), outside, 'nothing was written outside the store');
  assert.equal(fs.readFileSync(canaryFile, 'utf8'), 'canary\n');
  assert.equal(fs.statSync(canaryFile).nlink, 1);
}

describe('hostile archives', { skip }, () => {
  before(async () => {
    tmp = tempDir('skiff-hostile-');
    data = path.join(tmp.path, 'sandbox', 'data');
    images = path.join(tmp.path, 'sandbox', 'images');
    canary = path.join(tmp.path, 'canary');
    canaryFile = path.join(canary, 'file');
    fs.mkdirSync(images, { recursive: true });
    fs.mkdirSync(canary);
    fs.writeFileSync(canaryFile, 'canary\n');
    // A store with one good image in it, so "as it was" means something.
    await fetchOk(data, [await buildAci(path.join(images, 'good.aci'), { name: 'example.com/good', compression: 'gzip' })]);
  });
  after(() => tmp?.cleanup());

  it('refuses a member that climbs out with ..', async () => {
    await expectRefused(await hostileAci('dotdot', [{ type: 'file', name: `rootfs/${UP_TO_CANARY}/pwned`, body: 'x' }]), /\.\./);
    await expectRefused(await hostileAci('dotdot-dir', [{ type: 'dir', name: `rootfs/etc/../../${UP_TO_CANARY}` }]), /\.\./);
  });

  it('refuses to write through a symlink that points outside (absolute and relative)', async () => {
    await expectRefused(await hostileAci('symlink-abs', [
      { type: 'symlink', name: 'rootfs/escape', target: canary },
      { type: 'file', name: 'rootfs/escape/pwned', body: 'x' },
    ]), /escape/);
    await expectRefused(await hostileAci('symlink-rel', [
      { type: 'symlink', name: 'rootfs/etc/up', target: `../${UP_TO_CANARY}` },
      { type: 'file', name: 'rootfs/etc/up/pwned', body: 'x' },
    ]), /up/);
    await expectRefused(await hostileAci('symlink-dir', [
      { type: 'symlink', name: 'rootfs/escape', target: canary },
      { type: 'dir', name: 'rootfs/escape/sub' },
    ]), /escape/);
    await expectRefused(await hostileAci('symlink-hardlink', [
      { type: 'symlink', name: 'rootfs/escape', target: canary },
      { type: 'link', name: 'rootfs/hl', target: 'rootfs/escape/file' },
    ]), /escape/);
  });

  it('never writes through a symlink when a later member has the same name', async () => {
    // Tar semantics: a later member replaces an earlier one. It must replace the link itself,
    // not open the file the link points to.
    const file = await hostileAci('symlink-then-same-name', [
      { type: 'symlink', name: 'rootfs/etc/passwd-link', target: canaryFile },
      { type: 'file', name: 'rootfs/etc/passwd-link', body: 'overwritten\n' },
    ]);
    const before = storeSnapshot(data);
    const outside = snapshotOutside();
    const res = await runSkiff(['--insecure-options=image', 'fetch', file], { dataDir: data });
    assert.deepEqual(snapshotOutside(), outside, 'nothing was written outside the store');
    assert.equal(fs.readFileSync(canaryFile, 'utf8'), 'canary\n');
    if (res.code === 0) {
      const id = res.stdout.trim();
      const out = path.join(tmp.path, 'render-same-name');
      await skiffOk(data, ['image', 'render', '--rootfs-only', id, out]);
      assert.equal(fs.readFileSync(path.join(out, 'etc/passwd-link'), 'utf8'), 'overwritten\n');
      assert.equal(fs.lstatSync(path.join(out, 'etc/passwd-link')).isFile(), true);
      await skiffOk(data, ['image', 'rm', id]);
      await skiffOk(data, ['image', 'gc']);
    } else {
      expectOneErrorLine(res);
      assert.deepEqual(storeSnapshot(data), before);
    }
  });

  it('refuses hard links to files outside the image', async () => {
    await expectRefused(await hostileAci('hardlink-abs', [{ type: 'link', name: 'rootfs/hl', target: canaryFile }]), /outside|hl/);
    await expectRefused(await hostileAci('hardlink-rel', [{ type: 'link', name: 'rootfs/hl', target: `rootfs/${UP_TO_CANARY}/file` }]), /\.\./);
    await expectRefused(await hostileAci('hardlink-manifest', [{ type: 'link', name: 'rootfs/hl', target: 'manifest' }]), /outside/);
  });

  it('keeps absolute member names inside the image (made relative, as GNU tar does)', async () => {
    const file = await hostileAci('absolute', [
      { type: 'file', name: '/rootfs/etc/abs', body: 'abs\n' },
      { type: 'file', name: `${canary}/pwned`, body: 'x' },
    ]);
    const outside = snapshotOutside();
    const [id] = await fetchOk(data, [file]);
    assert.deepEqual(snapshotOutside(), outside, 'nothing was written outside the store');
    assert.deepEqual(fs.readdirSync(canary), ['file']);
    const out = path.join(tmp.path, 'render-absolute');
    await skiffOk(data, ['image', 'render', '--rootfs-only', id!, out]);
    assert.equal(fs.readFileSync(path.join(out, 'etc/abs'), 'utf8'), 'abs\n');
    assert.equal(fs.existsSync(path.join(out, canary.slice(1))), false, 'a member outside rootfs/ is not part of the image');
    await skiffOk(data, ['image', 'rm', id!]);
    await skiffOk(data, ['image', 'gc']);
  });

  it('refuses a truncated gzip stream and a truncated tar', async () => {
    const good = await buildAci(path.join(images, 'to-truncate.aci.gz'), { name: 'example.com/truncated', compression: 'gzip' });
    const bytes = fs.readFileSync(good);
    const cut = path.join(images, 'truncated.aci');
    fs.writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await expectRefused(cut, /gzip|truncated|corrupt/);
    const plain = await hostileAci('to-cut', [{ type: 'file', name: 'rootfs/etc/big', body: randomBytes(200_000) }]);
    const cutTar = path.join(images, 'truncated-tar.aci');
    fs.writeFileSync(cutTar, fs.readFileSync(plain).subarray(0, 100_000));
    await expectRefused(cutTar, /truncated|corrupt|end/i);
  });

  it('refuses garbage bytes, and a tar that is not an image', async () => {
    const garbage = path.join(images, 'garbage.aci');
    fs.writeFileSync(garbage, randomBytes(64 * 1024));
    await expectRefused(garbage, /not an image|neither a tar/);
    const empty = path.join(images, 'empty.aci');
    fs.writeFileSync(empty, '');
    await expectRefused(empty, /not an image|neither a tar|empty/);
    const notImage = path.join(images, 'not-image.tar');
    fs.writeFileSync(notImage, await buildTar([{ type: 'file', name: 'hello.txt', body: 'hi\n' }]));
    await expectRefused(notImage, /not an image/);
  });

  it('refuses a header that promises more bytes than follow, and an unknown member type', async () => {
    const lying = path.join(images, 'lying-size.aci');
    fs.writeFileSync(lying, Buffer.concat([
      await buildTar([{ type: 'file', name: 'manifest', body: manifestBytes() }]).then((b) => b.subarray(0, b.length - 1024)),
      rawHeader({ name: 'rootfs/big', size: 10 * 1024 * 1024 }), Buffer.alloc(512), endOfArchive(),
    ]));
    await expectRefused(lying, /truncated|corrupt|end/i);
    const sparse = path.join(images, 'sparse.aci');
    fs.writeFileSync(sparse, Buffer.concat([
      await buildTar([{ type: 'file', name: 'manifest', body: manifestBytes() }, { type: 'dir', name: 'rootfs' }]).then((b) => b.subarray(0, b.length - 1024)),
      rawHeader({ name: 'rootfs/odd', typeflag: 'X' }), endOfArchive(),
    ]));
    await expectRefused(sparse, /unsupported|type|corrupt/);
  });

  it('refuses a manifest that is not JSON, breaks the schema, or has no os label', async () => {
    await expectRefused(await hostileAci('manifest-not-json', [], '{"acKind": "ImageManifest", '), /manifest/);
    await expectRefused(await hostileAci('manifest-schema', [], manifestBytes({ acKind: 'PodManifest' })), /manifest/);
    await expectRefused(await hostileAci('manifest-no-name', [], manifestBytes({}, ['name'])), /manifest|name/);
    await expectRefused(await hostileAci('manifest-no-os', [], manifestBytes({ labels: [{ name: 'arch', value: 'amd64' }] })), /os label/);
    await expectRefused(await hostileAci('manifest-wrong-arch', [], manifestBytes({ labels: [{ name: 'os', value: 'linux' }, { name: 'arch', value: 'aarch64' }] })), /aarch64/);
    await expectRefused(await hostileAci('manifest-missing', [], ''), /manifest/);
    const noManifest = path.join(images, 'no-manifest.aci');
    fs.writeFileSync(noManifest, await buildTar([{ type: 'dir', name: 'rootfs' }, { type: 'file', name: 'rootfs/x', body: 'x' }]));
    await expectRefused(noManifest, /no manifest/);
    const huge = path.join(images, 'manifest-huge.aci');
    fs.writeFileSync(huge, await buildTar([{ type: 'file', name: 'manifest', body: `${' '.repeat(5 * 1024 * 1024)}{}` }, { type: 'dir', name: 'rootfs' }]));
    await expectRefused(huge, /manifest.*larger|larger/);
  });

  it('refuses a decompression bomb beyond --max-image-size', async () => {
    const bombTar = await hostileAci('bomb-inner', [{ type: 'file', name: 'rootfs/zeros', body: Buffer.alloc(8 * 1024 * 1024) }]);
    const bomb = path.join(images, 'bomb.aci');
    fs.writeFileSync(bomb, gzipSync(fs.readFileSync(bombTar), { level: 9 }));
    assert.ok(fs.statSync(bomb).size < 100 * 1024, 'the bomb compresses well');
    await expectRefused(bomb, /more than|exceed/, ['--max-image-size=1M']);
    await expectRefused(bombTar, /more than|exceed/, ['--max-image-size=1M']);
  });

  it('refuses hostile OCI and docker archives', async () => {
    const oci = path.join(images, 'oci-dotdot.tar');
    fs.writeFileSync(oci, await buildTar([
      { type: 'file', name: 'oci-layout', body: '{"imageLayoutVersion":"1.0.0"}' },
      { type: 'file', name: 'index.json', body: '{"schemaVersion":2,"manifests":[]}' },
      { type: 'file', name: `blobs/../${'../'.repeat(6)}canary/pwned`, body: 'x' },
    ]));
    await expectRefused(oci, /\.\./);
    const docker = path.join(images, 'docker-escape.tar');
    fs.writeFileSync(docker, await buildTar([
      { type: 'file', name: 'manifest.json', body: JSON.stringify([{ Config: '../../../etc/passwd', RepoTags: ['x:1'], Layers: [] }]) },
    ]));
    await expectRefused(docker, /not a path inside the archive/);
  });

  it('refuses OCI layers whose bytes or diff_id do not match, or that climb out', async () => {
    const good = await buildTar([{ type: 'dir', name: 'etc' }, { type: 'file', name: 'etc/good', body: 'good\n' }]);
    // Sanity: the hand-made layout itself imports.
    const okDir = handmadeLayout('oci-ok', [good]);
    const [okId] = await fetchOk(data, [okDir]);
    await skiffOk(data, ['image', 'rm', okId!]);
    await skiffOk(data, ['image', 'gc']);
    await expectRefused(handmadeLayout('oci-tampered', [good], { tamper: 0 }), /digest/);
    await expectRefused(handmadeLayout('oci-diffid', [good], { wrongDiffId: 0 }), /diff_id/);
    const evil = await buildTar([{ type: 'file', name: `../${'../'.repeat(6)}canary/pwned`, body: 'x' }]);
    await expectRefused(handmadeLayout('oci-dotdot', [evil]), /\.\./);
    const through = await buildTar([
      { type: 'symlink', name: 'escape', target: canary },
      { type: 'file', name: 'escape/pwned', body: 'x' },
    ]);
    await expectRefused(handmadeLayout('oci-symlink', [through]), /escape/);
  });

  it('a hostile upper layer leaves only verified, collectable data: nothing once image gc has run', async () => {
    const good = await buildTar([{ type: 'dir', name: 'etc' }, { type: 'file', name: 'etc/base', body: 'base\n' }]);
    const evil = await buildTar([{ type: 'file', name: `../${'../'.repeat(6)}canary/pwned`, body: 'x' }]);
    const before = storeSnapshot(data);
    const res = await runSkiff(['--insecure-options=image', 'fetch', handmadeLayout('oci-two-layers', [good, evil])], { dataDir: data });
    assert.match(expectOneErrorLine(res), /\.\./);
    assert.deepEqual(fs.readdirSync(canary), ['file']);
    assert.deepEqual(fs.readdirSync(path.join(data, 'images')).length, 1, 'no record for the refused image');
    await skiffOk(data, ['image', 'gc']);
    assert.deepEqual(storeSnapshot(data), before);
  });

  it('left nothing behind in the store temp dirs', () => {
    assert.deepEqual(fs.readdirSync(path.join(data, 'cas/tmp')), []);
    assert.deepEqual(fs.readdirSync(path.join(data, 'tree/tmp')), []);
    assert.deepEqual(fs.readdirSync(canary), ['file']);
  });
});
