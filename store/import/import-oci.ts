// Importing an OCI image (from a layout directory, or a docker archive presented as one):
// manifest and config are verified and stored, each layer is imported once, and the OCI
// config is converted to the appc manifest skiff runs from.
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from '../../common/node-crypto.ts';
import type { Ctx } from '../../common/context.ts';
import { SkiffError } from '../../common/errors.ts';
import { parseDigest, parseImageId, type Digest, type TreeId } from '../../common/ids.ts';
import { parseJsonDocument, validateOciConfig, validateOciManifest } from '../../common/schemas/validate.ts';
import { putBlob } from '../cas.ts';
import { ociConfigToImageManifest } from '../convert/oci-to-appc.ts';
import { versionOf, writeImageRecord, type ImageRecord, type LayerRecord } from '../image-index.ts';
import { describePlatform, HOST_PLATFORM, type PlatformWanted } from '../formats/oci-layout.ts';
import { importLayer, type LayerDescriptor, type LayerSource } from './import-layer.ts';

/** Where the blobs of an image being imported are found, by digest: files on this host. */
export interface BlobSource {
  describe: string;
  pathOf(digest: Digest): string;
}

/** Blobs that have to be fetched (a registry): small ones read whole, layers as streams. */
export interface RemoteBlobSource {
  describe: string;
  /** The config blob: verified against its digest and size, refused past `max` bytes. */
  readBlob(desc: { digest: Digest; size: number }, max: number, what: string): Promise<Buffer>;
  /** A layer's bytes, opened only if the store lacks them; `signal` aborts the transfer. */
  layer(desc: LayerDescriptor, signal: AbortSignal): LayerSource;
  /** Layers imported at once. */
  concurrency: number;
  /** Per-layer progress, when the caller draws it. */
  onLayerStart?(desc: LayerDescriptor, index: number): { advance(bytes: number): void; done(skipped: boolean): void };
}

export function layoutBlobSource(dir: string): BlobSource {
  return {
    describe: dir,
    pathOf: (digest) => {
      const [algo, hex] = digest.split(':') as [string, string];
      return path.join(dir, 'blobs', algo, hex);
    },
  };
}

/** Reads a small blob, refusing oversize ones and any whose bytes do not match the digest. */
export function readVerifiedBlob(blobs: BlobSource, digest: Digest, max: number, what: string): Buffer {
  const p = blobs.pathOf(digest);
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch {
    throw new SkiffError('IMAGE_FORMAT', `${what} ${digest} is missing from ${blobs.describe}`);
  }
  if (st.size > max) throw new SkiffError('ARCHIVE_TOO_LARGE', `${what} ${digest} is ${st.size} bytes, more than ${max}`);
  const bytes = fs.readFileSync(p);
  const [algo] = digest.split(':') as ['sha256' | 'sha512'];
  const got = `${algo}:${createHash(algo).update(bytes).digest('hex')}`;
  if (got !== digest) {
    throw new SkiffError('DIGEST_MISMATCH', `${what} in ${blobs.describe} has digest ${got}, expected ${digest}`, {
      hint: 'the image is corrupt or was tampered with; nothing was stored',
    });
  }
  return bytes;
}

export interface OciImportInput {
  source: string;
  name: string;
  tag: string | undefined;
  manifestDigest: Digest;
  /** The manifest bytes, when they are not in the blob source (a synthesized docker-archive manifest, a registry's). */
  manifestBytes?: Buffer;
  blobs: BlobSource | RemoteBlobSource;
  /** The platform the image must be built for; default this host's (linux/amd64). */
  platform?: PlatformWanted;
}

function isRemote(blobs: BlobSource | RemoteBlobSource): blobs is RemoteBlobSource {
  return 'readBlob' in blobs;
}

export async function importOciImage(ctx: Ctx, input: OciImportInput): Promise<ImageRecord> {
  const max = ctx.limits.maxManifestBytes;
  const what = input.source;
  const blobs = input.blobs;
  if (input.manifestBytes === undefined && isRemote(blobs)) throw new SkiffError('INTERNAL', `${what}: no manifest bytes given`);
  const manifestBytes = input.manifestBytes ?? readVerifiedBlob(blobs as BlobSource, input.manifestDigest, max, 'manifest');
  const manifest = validateOciManifest(parseJsonDocument(manifestBytes, `the manifest of ${what}`, max), what);
  const configDigest = parseDigest(manifest.config.digest);
  const configBytes = isRemote(blobs)
    ? await blobs.readBlob({ digest: configDigest, size: manifest.config.size }, max, 'image config')
    : readVerifiedBlob(blobs, configDigest, max, 'image config');
  const config = validateOciConfig(parseJsonDocument(configBytes, `the image config of ${what}`, max), what);
  const platform = input.platform ?? HOST_PLATFORM;
  if (config.os !== platform.os || config.architecture !== platform.architecture) {
    throw new SkiffError('IMAGE_FORMAT', `${what} is built for ${config.os}/${config.architecture}, not ${describePlatform(platform)}`);
  }
  const diffIds = config.rootfs.diff_ids;
  if (diffIds.length !== manifest.layers.length) {
    throw new SkiffError('IMAGE_FORMAT', `${what}: the config lists ${diffIds.length} layers, the manifest ${manifest.layers.length}`);
  }
  const total = manifest.layers.reduce((n, l) => n + l.size, 0);
  const layers: LayerRecord[] = manifest.layers.map((l, i) => ({
    digest: parseDigest(l.digest),
    size: l.size,
    mediaType: l.mediaType,
    diffId: parseDigest(diffIds[i]!),
  }));
  const trees = isRemote(blobs) ? await importRemoteLayers(ctx, blobs, layers, what) : await importLocalLayers(ctx, blobs, layers, total, what);
  const storedManifest = putBlob(ctx.dataDir, 'sha256', manifestBytes, input.manifestDigest);
  putBlob(ctx.dataDir, 'sha256', configBytes, configDigest);
  const imageManifest = ociConfigToImageManifest({
    config,
    name: input.name,
    tag: input.tag,
    manifestDigest: storedManifest,
    manifestAnnotations: manifest.annotations,
  });
  const record: ImageRecord = {
    id: parseImageId(storedManifest),
    format: 'oci',
    name: imageManifest.name,
    version: versionOf(imageManifest),
    labels: imageManifest.labels ?? [],
    manifest: imageManifest,
    source: input.source,
    size: manifestBytes.length + configBytes.length + total,
    importedAt: new Date().toISOString(),
    blobs: [storedManifest, configDigest, ...layers.map((l) => l.digest)],
    trees,
    layers,
  };
  writeImageRecord(ctx.dataDir, record);
  return record;
}

async function importLocalLayers(ctx: Ctx, blobs: BlobSource, layers: readonly LayerRecord[], total: number, what: string): Promise<TreeId[]> {
  ctx.progress?.start(`importing ${what}`, total);
  const trees: TreeId[] = [];
  for (const l of layers) trees.push(await importLayer(ctx, blobs.pathOf(l.digest), l, l.diffId, what));
  ctx.progress?.done();
  return trees;
}

/**
 * Layers from a registry, `concurrency` at a time, each streamed straight into the CAS and
 * verified against its digest; their trees are rendered (and diff_ids checked) at first use,
 * by renderMissingTrees. The
 * first failure aborts the transfers still running, and is thrown once they have all settled
 * (so their temp files are gone); layers already verified and committed stay, as blobs no
 * image refers to yet.
 */
async function importRemoteLayers(ctx: Ctx, blobs: RemoteBlobSource, layers: readonly LayerRecord[], what: string): Promise<TreeId[]> {
  const abort = new AbortController();
  // A layer listed twice (docker's empty layer often is) is fetched once: two transfers of
  // the same blob at once would both download it.
  const keyOf = (l: LayerRecord): string => `${l.digest} ${l.diffId}`;
  const unique = layers.flatMap((l, i) => (layers.findIndex((m) => keyOf(m) === keyOf(l)) === i ? [i] : []));
  const byKey = new Map<string, TreeId>();
  let next = 0;
  let failure: { err: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < unique.length) {
      const i = unique[next++]!;
      const l = layers[i]!;
      const item = blobs.onLayerStart?.(l, i);
      let opened = false;
      const source = blobs.layer(l, abort.signal);
      try {
        const tree = await importLayer(ctx, { open: () => ((opened = true), source.open()) }, l, l.diffId, what, {
          onBytes: (n) => item?.advance(n),
          render: false,
        });
        byKey.set(keyOf(l), tree);
        item?.done(!opened);
      } catch (err) {
        item?.done(false);
        failure ??= { err };
        abort.abort();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(blobs.concurrency, unique.length)) }, worker));
  if (failure !== undefined) throw failure.err;
  return layers.map((l) => byKey.get(keyOf(l))!);
}
