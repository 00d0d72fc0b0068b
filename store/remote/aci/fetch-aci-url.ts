// One ACI from one URL, with rkt's remote cache: a record younger than its max-age is used
// without asking; an older one is revalidated with If-None-Match (304 → the stored image);
// otherwise the ACI and its signature are downloaded to a temp dir, the manifest is checked
// against what discovery asked for, the signature against the trust store, and only then is
// the image imported. A failure at any step leaves the store as it was.
import type { ImageManifest } from '../../../common/appc-types.ts';
import type { Ctx } from '../../../common/context.ts';
import { SkiffError, wrap } from '../../../common/errors.ts';
import type { ImageRecord } from '../../image-index.ts';
import { importAciFile } from '../../import/import-aci.ts';
import { cachePolicyFromHeaders, isFresh } from '../cache/cache-control.ts';
import { readRemoteRecord, writeRemoteRecord } from '../cache/remote-records.ts';
import { cachedImage } from '../cache/stored-image.ts';
import type { HttpClient, HttpResponse } from '../http/client.ts';
import { authHeadersFor, type HostAuth } from './auth-headers.ts';
import { checkAciSignature } from './check-signature.ts';
import { createDownloadDir, downloadBody } from './download-file.ts';
import { readAciManifest } from './read-aci-manifest.ts';

export interface AciSource {
  aciUrl: string;
  ascUrl: string;
  /** What the user typed, recorded as the image's source. */
  source: string;
  /** Discovery's check of the manifest (name and labels); undefined for a direct URL. */
  checkManifest?: (manifest: ImageManifest) => void;
  /** `ac-discovery-pubkeys` URLs, for the hint when the signer is not trusted. */
  pubkeys: readonly string[];
}

export interface AciFetchDeps {
  client: HttpClient;
  auth: ReadonlyMap<string, HostAuth>;
  now: () => number;
}

export async function fetchAciFromUrl(ctx: Ctx, deps: AciFetchDeps, src: AciSource): Promise<ImageRecord> {
  const log = ctx.log.child({ mod: 'store', op: 'fetch-aci', url: src.aciUrl });
  const rec = readRemoteRecord(ctx.dataDir, src.aciUrl);
  const cached = cachedImage(ctx, rec);
  if (cached && rec && isFresh(rec, deps.now())) {
    log.debug({ id: cached.id, maxAge: rec.maxAge }, 'using the stored image: its cache record is fresh');
    return cached;
  }
  const what = `the image ${src.aciUrl}`;
  const request = {
    url: src.aciUrl,
    what,
    headers: { ...authHeadersFor(deps.auth, src.aciUrl), ...(cached && rec?.etag ? { 'if-none-match': rec.etag } : {}) },
  };
  const res = await deps.client.request(request);
  if (res.status === 304 && cached && rec) {
    res.discard();
    const policy = cachePolicyFromHeaders(res.headers);
    writeRemoteRecord(ctx.dataDir, { ...rec, fetchedAt: new Date(deps.now()).toISOString(), maxAge: policy.maxAge });
    log.debug({ id: cached.id }, 'not modified: using the stored image');
    return cached;
  }
  if (res.status !== 200) throw statusError(res, what);
  return downloadVerifyImport(ctx, deps, src, request, res);
}

async function downloadVerifyImport(
  ctx: Ctx,
  deps: AciFetchDeps,
  src: AciSource,
  request: { url: string; what: string; headers: Record<string, string> },
  res: HttpResponse,
): Promise<ImageRecord> {
  using dir = createDownloadDir(ctx.dataDir);
  let signature: Buffer | undefined;
  try {
    // The signature first: a missing one fails before a large download.
    if (!ctx.insecure.image) signature = await fetchSignature(deps, src.ascUrl);
  } catch (err) {
    res.discard();
    throw err;
  }
  const file = `${dir.path}/image.aci`;
  // No If-None-Match on a resumed request: it would ask for a 304 mid-download.
  const { 'if-none-match': _etag, ...headers } = request.headers;
  await downloadBody(ctx, deps.client, { ...request, headers }, res, file);
  const manifest = await readAciManifest(ctx, file, src.aciUrl);
  src.checkManifest?.(manifest);
  const signedBy = signature === undefined
    ? undefined
    : await checkAciSignature(ctx, { file, signature, imageName: manifest.name, what: src.aciUrl, pubkeys: src.pubkeys });
  if (signedBy === undefined) ctx.log.warn(`${src.aciUrl}: signature not checked (--insecure-options=image)`);
  const image = await importAciFile(ctx, file, src.source);
  const policy = cachePolicyFromHeaders(res.headers);
  const etag = res.headers.etag;
  writeRemoteRecord(ctx.dataDir, {
    key: src.aciUrl,
    fetchedAt: new Date(deps.now()).toISOString(),
    maxAge: policy.maxAge,
    ...(etag !== undefined && !policy.noStore ? { etag } : {}),
    imageId: image.id,
    ascUrl: src.ascUrl,
    ...(signedBy === undefined ? {} : { signedBy }),
  });
  return image;
}

/** The detached signature at `url`; SIGNATURE_MISSING (naming the URL) when the server has none. */
async function fetchSignature(deps: AciFetchDeps, url: string): Promise<Buffer> {
  const what = `the signature ${url}`;
  const res = await deps.client.request({ url, what, headers: authHeadersFor(deps.auth, url) });
  if (res.status === 404 || res.status === 410) {
    res.discard();
    throw new SkiffError('SIGNATURE_MISSING', `no signature at ${url} (HTTP ${res.status})`, {
      hint: 'ask the publisher to sign the image, or pass --insecure-options=image to fetch it unverified',
    });
  }
  if (res.status !== 200) throw statusError(res, what);
  try {
    // Armored signatures are a few kilobytes; a megabyte is a generous cap against junk.
    return await res.bytes(1024 * 1024);
  } catch (err) {
    throw wrap(err, `reading ${what}`);
  }
}

export function statusError(res: HttpResponse, what: string): SkiffError {
  res.discard();
  if (res.status === 404 || res.status === 410) return new SkiffError('IMAGE_NOT_FOUND', `${what}: not found (HTTP ${res.status})`);
  if (res.status === 401 || res.status === 403) {
    return new SkiffError('AUTH', `${what}: access denied (HTTP ${res.status})`, {
      hint: `put credentials for ${new URL(res.url).host} in auth.d (skiffKind "auth", see docs/discovery.md)`,
    });
  }
  return new SkiffError('HTTP_STATUS', `${what}: the server answered HTTP ${res.status}`);
}
