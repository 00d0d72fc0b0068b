// `skiff fetch`: work out what each argument is (a local file or layout, a docker:// reference,
// an https:// ACI or a bare name for appc discovery), apply the pull policy, import it under
// the shared store lock, and report one image per argument. An import that fails leaves the
// store as it was: blobs and trees are committed only once verified, the index record last.
import fs from 'node:fs';
import type { Ctx } from '../../common/context.ts';
import { SkiffError } from '../../common/errors.ts';
import type { ImageId } from '../../common/ids.ts';
import { classifyImageRef, parseLocalImageRef } from '../formats/image-ref.ts';
import type { ImageRecord } from '../image-index.ts';
import type { PullPolicy } from '../pull-policy.ts';
import { lockStore, ensureStore } from '../store-dirs.ts';

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

/**
 * A local image is verified here, before the store is touched: an ACI against its detached
 * signature (the whole file is read for that, a second time by the import); OCI layouts and
 * docker archives have no signature format, so they need --insecure-options=image.
 */
async function checkFetchable(ctx: Ctx, ref: string, opts: FetchOptions): Promise<void> {
  const file = (parseLocalImageRef(ref) ?? { path: ref }).path;
  if (classifyImageRef(ref, fs.existsSync(file)).kind !== 'local') return;
  if (!fs.existsSync(file)) throw new SkiffError('IMAGE_NOT_FOUND', `no such file or directory: ${file}`);
  if (opts.signature !== undefined && opts.refs.length > 1) {
    throw new SkiffError('USAGE', '--signature names the signature of one image: fetch the images one at a time');
  }
  if (ctx.insecure.image) {
    ctx.log.debug({ ref }, 'not checking the signature (--insecure-options=image)');
    return;
  }
  const { UNSIGNED_FORMATS, localFileFormat } = await import('./fetch-local.ts');
  const format = fs.statSync(file).isDirectory() ? 'oci-layout' : await localFileFormat(ref);
  if (format !== 'aci') {
    throw new SkiffError('SIGNATURE_MISSING', `${ref} is ${UNSIGNED_FORMATS[format]}, which carries no signature skiff can check`, {
      hint: 'pass --insecure-options=image to import it without verification (its digests are still checked)',
    });
  }
  const { verifyLocalAci } = await import('../trust/verify-local-aci.ts');
  await verifyLocalAci(ctx, file, opts.signature);
}

async function fetchOne(ctx: Ctx, ref: string, opts: FetchOptions): Promise<ImageRecord> {
  const kind = classifyImageRef(ref, fs.existsSync((parseLocalImageRef(ref) ?? { path: ref }).path));
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
    case 'local': {
      // The importers of local files (tar, ACI, OCI layouts) load only for a local file.
      const { fetchLocal } = await import('./fetch-local.ts');
      return fetchLocal(ctx, ref);
    }
  }
}
