// `skiff fetch`: work out what each argument is (a local file or layout, a docker:// reference,
// an https:// ACI or a bare name for appc discovery), apply the pull policy, import it under
// the shared store lock, and report one image per argument. An import that fails leaves the
// store as it was: blobs and trees are committed only once verified, the index record last.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Ctx } from '../../common/context.ts';
import { SkiffError, wrap } from '../../common/errors.ts';
import type { ImageId } from '../../common/ids.ts';
import * as layout from '../../common/layout.ts';
import { classifyImageRef, detectLocalImageFormat, parseLocalImageRef, sniffCompression, type LocalImageFormat, type LocalImageRef } from '../formats/image-ref.ts';
import type { ImageRecord } from '../image-index.ts';
import { lockStore, ensureStore } from '../store-dirs.ts';
import { extractTar } from '../tar/extract-tree.ts';
import { openDecompressed, readMagic } from './decompress.ts';
import { importAciFile } from './import-aci.ts';
import { importDockerArchiveDir, importOciLayoutDir } from './import-layout.ts';
import { listTarMembers } from './list-tar-members.ts';

import type { PullPolicy } from '../pull-policy.ts';

export type { PullPolicy } from '../pull-policy.ts';

export interface FetchOptions {
  refs: readonly string[];
  /** Default `update` (fetch); prepare and run pass `new`. */
  pullPolicy?: PullPolicy;
  /** `os/arch[/variant]` picked from a manifest list or OCI index; default linux/amd64. */
  platform?: string;
  /** A detached signature for the (single) local ACI being fetched, instead of FILE.asc. */
  signature?: string;
  /** The environment the CLI ran in: HTTPS_PROXY/NO_PROXY, HOME and DOCKER_CONFIG for credentials. */
  env?: Readonly<Record<string, string | undefined>>;
}

export interface FetchedImage {
  ref: string;
  id: ImageId;
  name: string;
  version: string | undefined;
}

export interface FetchResult {
  images: FetchedImage[];
}

export async function fetchImages(ctx: Ctx, opts: FetchOptions): Promise<FetchResult> {
  // Refuse what cannot be imported before creating anything (a refused fetch on a fresh host
  // must not leave a data dir behind).
  for (const ref of opts.refs) await checkFetchable(ctx, ref, opts);
  ensureStore(ctx.dataDir);
  using _lock = lockStore(ctx, 'shared');
  const images: FetchedImage[] = [];
  for (const ref of opts.refs) {
    const rec = await fetchOne(ctx, ref, opts);
    images.push({ ref, id: rec.id, name: rec.name, version: rec.version });
  }
  return { images };
}

function localRef(ref: string): LocalImageRef {
  return parseLocalImageRef(ref) ?? { transport: 'oci', path: ref, tag: undefined };
}

/**
 * A local image is verified here, before the store is touched: an ACI against its detached
 * signature (the whole file is read for that, a second time by the import); OCI layouts and
 * docker archives have no signature format, so they need --insecure-options=image.
 */
async function checkFetchable(ctx: Ctx, ref: string, opts: FetchOptions): Promise<void> {
  const file = localRef(ref).path;
  if (classifyImageRef(ref, fs.existsSync(file)).kind !== 'local') return;
  if (!fs.existsSync(file)) throw new SkiffError('IMAGE_NOT_FOUND', `no such file or directory: ${file}`);
  if (opts.signature !== undefined && opts.refs.length > 1) {
    throw new SkiffError('USAGE', '--signature names the signature of one image: fetch the images one at a time');
  }
  if (ctx.insecure.image) {
    ctx.log.debug({ ref }, 'not checking the signature (--insecure-options=image)');
    return;
  }
  const format = fs.statSync(file).isDirectory() ? 'oci-layout' : await localFileFormat(ref);
  if (format !== 'aci') {
    throw new SkiffError('SIGNATURE_MISSING', `${ref} is ${UNSIGNED_FORMATS[format]}, which carries no signature skiff can check`, {
      hint: 'pass --insecure-options=image to import it without verification (its digests are still checked)',
    });
  }
  const { verifyLocalAci } = await import('../trust/verify-local-aci.ts');
  await verifyLocalAci(ctx, file, opts.signature);
}

const UNSIGNED_FORMATS: Record<Exclude<LocalImageFormat, 'aci'>, string> = {
  'oci-layout': 'an OCI image layout directory',
  'oci-archive': 'an OCI archive',
  'docker-archive': 'a docker archive',
};

/** What a local image file holds, by its first tar members (a transport prefix can settle it). */
async function localFileFormat(ref: string): Promise<LocalImageFormat> {
  const local = localRef(ref);
  if (parseLocalImageRef(ref) !== undefined && local.transport === 'oci') return 'oci-archive';
  const magic = readMagic(local.path);
  const tarMembers = await listTarMembers(local.path, sniffCompression(magic), 64);
  return detectLocalImageFormat({ isDir: false, hasOciLayoutFile: false, hasIndexJson: false, magic, tarMembers }, local.path);
}

async function fetchOne(ctx: Ctx, ref: string, opts: FetchOptions): Promise<ImageRecord> {
  const kind = classifyImageRef(ref, fs.existsSync(localRef(ref).path));
  // A local file is always read (as rkt): importing it again is how a changed file is seen,
  // and an unchanged one dedups to the stored image.
  const policy = opts.pullPolicy ?? 'update';
  if (kind.kind !== 'local' && policy !== 'update') {
    const { findStoredImage } = await import('../remote/cache/stored-image.ts');
    const stored = findStoredImage(ctx, kind, opts.platform);
    if (stored) return stored;
    if (policy === 'never') {
      throw new SkiffError('IMAGE_NOT_FOUND', `no image ${ref} in the store and --pull-policy=never`, {
        hint: 'fetch it first, or use --pull-policy=new',
      });
    }
  }
  switch (kind.kind) {
    case 'docker': {
      const { pullDockerImage } = await import('../remote/registry/pull.ts');
      const { recordDockerPull } = await import('../remote/cache/stored-image.ts');
      const image = await pullDockerImage(ctx, kind.reference, opts);
      recordDockerPull(ctx, kind.reference, image);
      return image;
    }
    case 'url':
    case 'name': {
      const { fetchRemoteAci } = await import('../remote/aci/fetch-remote-aci.ts');
      return fetchRemoteAci(ctx, kind, opts);
    }
    case 'local':
      return fetchLocal(ctx, ref);
  }
}

async function fetchLocal(ctx: Ctx, ref: string): Promise<ImageRecord> {
  const local = localRef(ref);
  const file = local.path;
  const st = fs.statSync(file);
  const log = ctx.log.child({ mod: 'store', op: 'fetch', ref });
  if (st.isDirectory()) {
    if (local.transport === 'docker-archive') throw new SkiffError('USAGE', `${file} is a directory, not a docker archive`);
    const probe = {
      isDir: true,
      hasOciLayoutFile: fs.existsSync(path.join(file, 'oci-layout')),
      hasIndexJson: fs.existsSync(path.join(file, 'index.json')),
      magic: new Uint8Array(),
    };
    detectLocalImageFormat(probe, file);
    return importOciLayoutDir(ctx, file, local.tag, ref);
  }
  const format = await localFileFormat(ref);
  log.debug({ format }, 'detected image format');
  switch (format) {
    case 'aci':
      return importAciFile(ctx, file, ref);
    case 'oci-layout':
    case 'oci-archive':
      return withUnpackedArchive(ctx, file, (dir) =>
        importOciLayoutDir(ctx, dir, local.transport === 'docker-archive' ? undefined : local.tag, ref),
      );
    case 'docker-archive':
      return withUnpackedArchive(ctx, file, (dir) =>
        importDockerArchiveDir(ctx, dir, local.transport === 'docker-archive' ? local.reference : undefined, ref),
      );
  }
}

/**
 * OCI and docker archives need random access to their members: unpack them (safely, without
 * owners) into a private temp dir on the store's filesystem, import from there, remove it.
 */
async function withUnpackedArchive<T>(ctx: Ctx, file: string, fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = path.join(layout.casTmpDir(ctx.dataDir), `archive-${process.pid}-${randomBytes(6).toString('hex')}`);
  fs.mkdirSync(dir, { mode: 0o700 });
  try {
    const dec = await openDecompressed(file, sniffCompression(readMagic(file)), file);
    try {
      await extractTar(dec.stream, {
        dest: dir,
        whiteouts: 'keep',
        limits: ctx.limits,
        preserveOwnership: false,
        host: ctx.host,
        log: ctx.log.child({ mod: 'store', op: 'unpack-archive' }),
      });
      await dec.done;
    } catch (err) {
      dec.kill();
      throw wrap(err, `unpacking ${file}`);
    }
    return await fn(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
