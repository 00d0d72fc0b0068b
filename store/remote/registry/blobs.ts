// Reading one repository's manifests and blobs through a session: manifests by tag or digest
// (checked by manifest.ts), the config blob whole, layers as resumable streams held to their
// descriptor's size. Nothing here writes to the store; digests of blobs are checked by the
// importer as the bytes pass through it, and the config's here.
import { SkiffError } from '../../../common/errors.ts';
import type { Digest } from '../../../common/ids.ts';
import type { HttpClient, HttpResponse } from '../http/client.ts';
import { createResumableBody } from '../http/resumable-body.ts';
import type { LayerDescriptor, LayerSource } from '../../import/import-layer.ts';
import { checkManifestAnswer, digestOfBytes, MANIFEST_ACCEPT, type CheckedManifest } from './manifest.ts';
import type { RegistryReference } from './reference.ts';
import type { RegistrySession } from './session.ts';

/** Registry error bodies are small JSON; more is not worth reading for a message. */
const MAX_ERROR_BODY = 64 * 1024;

export async function fetchManifest(
  session: RegistrySession,
  ref: RegistryReference,
  tagOrDigest: string,
  wantDigest: Digest | undefined,
  maxBytes: number,
): Promise<CheckedManifest> {
  const what = `the manifest of ${ref.registry}/${ref.repository}${tagOrDigest.includes(':') ? '@' : ':'}${tagOrDigest}`;
  const res = await session.get(`/v2/${ref.repository}/manifests/${tagOrDigest}`, what, { accept: MANIFEST_ACCEPT });
  if (res.status === 404) throw await notFound(res, ref, tagOrDigest.includes(':') ? `no manifest ${tagOrDigest}` : `no tag ${tagOrDigest}`);
  if (res.status !== 200) throw await statusError(res, what);
  const bytes = await res.bytes(maxBytes);
  return checkManifestAnswer({
    bytes,
    contentType: res.headers['content-type'],
    headerDigest: header(res, 'docker-content-digest'),
    wantDigest,
    what,
    maxBytes,
  });
}

/** A small blob (the image config), whole, checked against its size and digest. */
export async function fetchSmallBlob(session: RegistrySession, ref: RegistryReference, desc: { digest: Digest; size: number }, max: number, what: string): Promise<Buffer> {
  const label = `the ${what} ${desc.digest} of ${ref.registry}/${ref.repository}`;
  if (desc.size > max) throw new SkiffError('ARCHIVE_TOO_LARGE', `${label} is ${desc.size} bytes, more than ${max}`);
  const res = await session.get(`/v2/${ref.repository}/blobs/${desc.digest}`, label);
  if (res.status === 404) throw await notFound(res, ref, `no blob ${desc.digest}`);
  if (res.status !== 200) throw await statusError(res, label);
  // One byte more than promised is enough to know the body is too long.
  const bytes = await res.bytes(desc.size + 1);
  if (bytes.length !== desc.size) {
    throw new SkiffError('DIGEST_MISMATCH', `${label} is ${bytes.length} bytes, the manifest says ${desc.size}`, {
      hint: 'the registry is broken or hostile; nothing was stored',
    });
  }
  const got = digestOfBytes(bytes, desc.digest.startsWith('sha512:') ? 'sha512' : 'sha256');
  if (got !== desc.digest) {
    throw new SkiffError('DIGEST_MISMATCH', `${label} has digest ${got}`, { hint: 'the registry is broken or hostile; nothing was stored' });
  }
  return bytes;
}

/** A layer, fetched only when opened, resumed on a dropped connection, stopped by `signal`. */
export function layerSource(
  client: HttpClient,
  session: RegistrySession,
  ref: RegistryReference,
  desc: LayerDescriptor,
  signal: AbortSignal,
  onResume: (offset: number, reason: string) => void,
): LayerSource {
  const what = `layer ${desc.digest} of ${ref.registry}/${ref.repository}`;
  const path = `/v2/${ref.repository}/blobs/${desc.digest}`;
  return {
    async open() {
      signal.throwIfAborted();
      const first = await session.get(path, what);
      if (first.status === 404) throw await notFound(first, ref, `no blob ${desc.digest}`);
      if (first.status !== 200) throw await statusError(first, what);
      const declared = header(first, 'content-length');
      if (declared !== undefined && Number(declared) > desc.size) {
        first.discard();
        throw new SkiffError('DIGEST_MISMATCH', `${what} is ${declared} bytes, the manifest says ${desc.size}`, {
          hint: 'the registry is broken or hostile; nothing was stored',
        });
      }
      // A resume asks the registry again (not a redirect's target, whose signature may have
      // expired). Its failures reach the user through the importer, which names the layer.
      const request = { url: `${session.base}${path}`, what: 'the download', headers: session.authHeaders() };
      return createResumableBody({ client, request, first, expectedSize: desc.size, signal, onResume });
    },
  };
}

function header(res: HttpResponse, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The registry's error code (`NAME_UNKNOWN`, `MANIFEST_UNKNOWN`…), if its body says. */
async function errorCodeOf(res: HttpResponse): Promise<string | undefined> {
  try {
    const doc = JSON.parse(await res.text(MAX_ERROR_BODY)) as { errors?: { code?: unknown }[] };
    const code = doc.errors?.[0]?.code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

async function notFound(res: HttpResponse, ref: RegistryReference, what: string): Promise<SkiffError> {
  const code = await errorCodeOf(res);
  if (code === 'NAME_UNKNOWN') {
    return new SkiffError('IMAGE_NOT_FOUND', `no repository ${ref.repository} on ${ref.registry}`);
  }
  return new SkiffError('IMAGE_NOT_FOUND', `${what} in ${ref.repository} on ${ref.registry}`);
}

async function statusError(res: HttpResponse, what: string): Promise<SkiffError> {
  const code = await errorCodeOf(res);
  return new SkiffError('HTTP_STATUS', `${what}: the registry answered HTTP ${res.status}${code ? ` (${code})` : ''}`);
}
