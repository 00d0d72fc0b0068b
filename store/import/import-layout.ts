// Importing OCI image layouts (directories, or tars of one unpacked first) and docker-archive
// tars (`docker save`), which are read as OCI images with a manifest skiff writes for them.
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from '../../common/node-crypto.ts';
import type { Ctx } from '../../common/context.ts';
import { SkiffError } from '../../common/errors.ts';
import { digestOf, parseDigest, type Digest } from '../../common/ids.ts';
import { parseJsonDocument, validateOciConfig } from '../../common/schemas/validate.ts';
import { splitReference } from '../convert/appc-names.ts';
import { parseDockerArchiveManifest, selectDockerArchiveImage } from '../formats/docker-archive.ts';
import { sniffCompression } from '../formats/image-ref.ts';
import { HOST_PLATFORM, parseOciIndex, parseOciLayoutFile, refNamesOf, selectFromLayoutIndex, selectPlatform } from '../formats/oci-layout.ts';
import { MEDIA_TYPES, isIndexMediaType } from '../formats/oci-types.ts';
import { hashFile } from '../hash-file.ts';
import type { ImageRecord } from '../image-index.ts';
import { readMagic } from './decompress.ts';
import { importOciImage, layoutBlobSource, readVerifiedBlob, type BlobSource } from './import-oci.ts';

function readSmallFile(file: string, max: number, what: string): Buffer {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    throw new SkiffError('IMAGE_FORMAT', `${what} is missing`);
  }
  if (!st.isFile()) throw new SkiffError('IMAGE_FORMAT', `${what} is not a regular file`);
  if (st.size > max) throw new SkiffError('ARCHIVE_TOO_LARGE', `${what} is ${st.size} bytes, more than ${max}`);
  return fs.readFileSync(file);
}

/** `docker.io/library/busybox:1.36` → name and tag; a bare ref.name (`1.36`) is only a tag. */
function nameAndTag(refName: string | undefined, fallbackName: string, tag: string | undefined): { name: string; tag: string | undefined } {
  if (refName && (refName.includes('/') || refName.includes(':'))) {
    const r = splitReference(refName);
    return { name: r.repository, tag: r.tag ?? tag };
  }
  return { name: fallbackName, tag: refName ?? tag };
}

export async function importOciLayoutDir(ctx: Ctx, dir: string, tag: string | undefined, source: string): Promise<ImageRecord> {
  const max = ctx.limits.maxManifestBytes;
  parseOciLayoutFile(readSmallFile(path.join(dir, 'oci-layout'), max, `${dir}/oci-layout`), dir);
  const index = parseOciIndex(readSmallFile(path.join(dir, 'index.json'), max, `${dir}/index.json`), dir, max);
  const blobs = layoutBlobSource(dir);
  const top = selectFromLayoutIndex(index, tag, source);
  let desc = top;
  // A multi-platform image: follow nested indexes down to this host's manifest.
  for (let depth = 0; isIndexMediaType(desc.mediaType); depth++) {
    if (depth > 4) throw new SkiffError('IMAGE_FORMAT', `${source}: image indexes nest more than 4 deep`);
    const nested = parseOciIndex(readVerifiedBlob(blobs, parseDigest(desc.digest), max, 'image index'), source, max);
    desc = selectPlatform(nested, HOST_PLATFORM, source);
  }
  const fallbackName = path.basename(dir).replace(/\.(tar|oci)$/, '') || 'image';
  const { name, tag: imageTag } = nameAndTag(refNamesOf(top)[0], fallbackName, tag);
  return importOciImage(ctx, { source, name, tag: imageTag, manifestDigest: parseDigest(desc.digest), blobs });
}

const LAYER_MEDIA_TYPE: Record<string, string> = {
  none: MEDIA_TYPES.ociLayerTar,
  gzip: MEDIA_TYPES.ociLayerGzip,
  zstd: MEDIA_TYPES.ociLayerZstd,
};

/**
 * A docker archive has no registry manifest, so skiff writes the OCI manifest the image would
 * have (uncompressed layers are their own diffIDs). The same archive always gives the same
 * manifest, hence the same image ID.
 */
export async function importDockerArchiveDir(ctx: Ctx, dir: string, reference: string | undefined, source: string): Promise<ImageRecord> {
  const max = ctx.limits.maxManifestBytes;
  const manifest = parseDockerArchiveManifest(readSmallFile(path.join(dir, 'manifest.json'), max, `manifest.json in ${source}`), source, max);
  const { entry } = selectDockerArchiveImage(manifest, reference, source);
  const configFile = path.join(dir, entry.Config);
  const configBytes = readSmallFile(configFile, max, `${entry.Config} in ${source}`);
  const config = validateOciConfig(parseJsonDocument(configBytes, `the image config of ${source}`, max), source);
  const configDigest = digestOf('sha256', createHash('sha256').update(configBytes).digest('hex'));
  const files = new Map<string, string>([[configDigest, configFile]]);
  const layers = entry.Layers.map((member, i) => {
    const file = path.join(dir, member);
    if (!fs.existsSync(file)) throw new SkiffError('IMAGE_FORMAT', `${source}: layer ${member} named in manifest.json is missing`);
    const compression = sniffCompression(readMagic(file));
    const mediaType = LAYER_MEDIA_TYPE[compression];
    if (!mediaType) throw new SkiffError('IMAGE_FORMAT', `${source}: layer ${member} is not a tar, gzip or zstd stream`);
    const diffId = config.rootfs.diff_ids[i];
    // An uncompressed layer's digest is its diffID; importing it checks that the bytes agree.
    const digest = compression === 'none' && diffId ? parseDigest(diffId) : hashFile(file, 'sha256');
    files.set(digest, file);
    return { mediaType, digest, size: fs.statSync(file).size };
  });
  const ociManifest = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.ociManifest,
    config: { mediaType: MEDIA_TYPES.ociConfig, digest: configDigest, size: configBytes.length },
    layers,
  };
  const manifestBytes = Buffer.from(JSON.stringify(ociManifest));
  const manifestDigest = digestOf('sha256', createHash('sha256').update(manifestBytes).digest('hex'));
  const blobs: BlobSource = {
    describe: source,
    pathOf: (digest) => files.get(digest) ?? path.join(dir, 'missing', digest.replace(':', '-')),
  };
  const tagRef = reference && !reference.startsWith('@') ? reference : entry.RepoTags?.[0];
  const named = tagRef ? splitReference(tagRef) : { repository: path.basename(source).replace(/\.tar$/, ''), tag: undefined };
  return importOciImage(ctx, { source, name: named.repository, tag: named.tag ?? 'latest', manifestDigest, manifestBytes, blobs });
}
