// Importing an OCI image (from a layout directory, or a docker archive presented as one):
// manifest and config are verified and stored, each layer is imported once, and the OCI
// config is converted to the appc manifest skiff runs from.
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import type { Ctx } from '../../common/context.ts';
import { SkiffError } from '../../common/errors.ts';
import { parseDigest, parseImageId, type Digest, type TreeId } from '../../common/ids.ts';
import { parseJsonDocument, validateOciConfig, validateOciManifest } from '../../common/schemas/validate.ts';
import { putBlob } from '../cas.ts';
import { ociConfigToImageManifest } from '../convert/oci-to-appc.ts';
import { versionOf, writeImageRecord, type ImageRecord, type LayerRecord } from '../image-index.ts';
import { importLayer } from './import-layer.ts';

/** Where the blobs of an image being imported are found, by digest. */
export interface BlobSource {
  describe: string;
  pathOf(digest: Digest): string;
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
  /** The manifest bytes, when they are not in the blob source (a synthesized docker-archive manifest). */
  manifestBytes?: Buffer;
  blobs: BlobSource;
}

export async function importOciImage(ctx: Ctx, input: OciImportInput): Promise<ImageRecord> {
  const max = ctx.limits.maxManifestBytes;
  const what = input.source;
  const manifestBytes = input.manifestBytes ?? readVerifiedBlob(input.blobs, input.manifestDigest, max, 'manifest');
  const manifest = validateOciManifest(parseJsonDocument(manifestBytes, `the manifest of ${what}`, max), what);
  const configDigest = parseDigest(manifest.config.digest);
  const configBytes = readVerifiedBlob(input.blobs, configDigest, max, 'image config');
  const config = validateOciConfig(parseJsonDocument(configBytes, `the image config of ${what}`, max), what);
  if (config.os !== 'linux' || config.architecture !== 'amd64') {
    throw new SkiffError('IMAGE_FORMAT', `${what} is built for ${config.os}/${config.architecture}, this host runs linux/amd64`);
  }
  const diffIds = config.rootfs.diff_ids;
  if (diffIds.length !== manifest.layers.length) {
    throw new SkiffError('IMAGE_FORMAT', `${what}: the config lists ${diffIds.length} layers, the manifest ${manifest.layers.length}`);
  }
  const total = manifest.layers.reduce((n, l) => n + l.size, 0);
  ctx.progress?.start(`importing ${what}`, total);
  const trees: TreeId[] = [];
  const layers: LayerRecord[] = [];
  for (const [i, l] of manifest.layers.entries()) {
    const desc = { digest: parseDigest(l.digest), size: l.size, mediaType: l.mediaType };
    const diffId = parseDigest(diffIds[i]!);
    trees.push(await importLayer(ctx, input.blobs.pathOf(desc.digest), desc, diffId, what));
    layers.push({ ...desc, diffId });
  }
  ctx.progress?.done();
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
