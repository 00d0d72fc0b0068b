// Checking what a registry answered for a manifest request, before anything is believed: the
// content type is a manifest type skiff reads (not schema 1), the bytes hash to the digest
// asked for (or, for a tag, to the Docker-Content-Digest the registry claims), and the
// document parses as the manifest or index it says it is. Pure.
import { createHash } from '../../../common/node-crypto.ts';
import { SkiffError } from '../../../common/errors.ts';
import { digestOf, type Digest } from '../../../common/ids.ts';
import { parseJsonDocument, validateOciIndex, validateOciManifest } from '../../../common/schemas/validate.ts';
import { MEDIA_TYPES, isIndexMediaType, isManifestMediaType, type OciIndex, type OciManifest } from '../../formats/oci-types.ts';

/** Most specific first: a registry that can convert gives the newest format it has. */
export const MANIFEST_ACCEPT = [MEDIA_TYPES.ociIndex, MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerManifestList, MEDIA_TYPES.dockerManifest].join(', ');

const SCHEMA1 = ['application/vnd.docker.distribution.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v1+prettyjws'];

export type CheckedManifest =
  | { kind: 'manifest'; digest: Digest; bytes: Buffer; mediaType: string; manifest: OciManifest }
  | { kind: 'index'; digest: Digest; bytes: Buffer; mediaType: string; index: OciIndex };

export interface ManifestAnswer {
  bytes: Buffer;
  contentType: string | undefined;
  /** The registry's Docker-Content-Digest header, if any. */
  headerDigest: string | undefined;
  /** The digest the reference pins (`@sha256:…`, or an index entry's): the bytes must hash to it. */
  wantDigest: Digest | undefined;
  /** "the manifest of host/repo:tag" */
  what: string;
  maxBytes: number;
}

export function checkManifestAnswer(a: ManifestAnswer): CheckedManifest {
  const contentType = (a.contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (SCHEMA1.includes(contentType)) throw schema1(a.what);
  const digest = digestOfBytes(a.bytes, a.wantDigest?.startsWith('sha512:') ? 'sha512' : 'sha256');
  if (a.wantDigest !== undefined && digest !== a.wantDigest) {
    throw new SkiffError('DIGEST_MISMATCH', `${a.what} has digest ${digest}, expected ${a.wantDigest}`, {
      hint: 'the registry is broken or hostile; nothing was stored',
    });
  }
  const header = a.headerDigest?.trim();
  if (a.wantDigest === undefined && header !== undefined && header !== '' && header.startsWith('sha256:') && header !== digest) {
    throw new SkiffError('DIGEST_MISMATCH', `${a.what} has digest ${digest}, but the registry says ${header}`, {
      hint: 'the registry is broken or hostile; nothing was stored',
    });
  }
  const doc = parseJsonDocument(a.bytes, a.what, a.maxBytes) as { mediaType?: unknown; schemaVersion?: unknown } | null;
  if (doc?.schemaVersion === 1) throw schema1(a.what);
  const declared = typeof doc?.mediaType === 'string' ? doc.mediaType : undefined;
  // Registries label manifests with their media type; a generic JSON type is accepted only when
  // the document names its own type (some serve OCI manifests as application/json).
  const generic = contentType === '' || contentType === 'application/json' || contentType === 'application/octet-stream';
  const mediaType = generic ? declared : contentType;
  if (mediaType === undefined || !(isManifestMediaType(mediaType) || isIndexMediaType(mediaType))) {
    throw new SkiffError('IMAGE_FORMAT', `${a.what} came with Content-Type ${JSON.stringify(a.contentType ?? '')}, which is not an image manifest or index`, {
      hint: 'the server is not a registry v2, or is broken',
    });
  }
  if (declared !== undefined && declared !== mediaType) {
    throw new SkiffError('IMAGE_FORMAT', `${a.what} came with Content-Type ${mediaType} but says it is ${declared}`);
  }
  if (isIndexMediaType(mediaType)) {
    return { kind: 'index', digest, bytes: a.bytes, mediaType, index: validateOciIndex(doc, a.what) };
  }
  return { kind: 'manifest', digest, bytes: a.bytes, mediaType, manifest: validateOciManifest(doc, a.what) };
}

export function digestOfBytes(bytes: Uint8Array, algo: 'sha256' | 'sha512' = 'sha256'): Digest {
  return digestOf(algo, createHash(algo).update(bytes).digest('hex'));
}

function schema1(what: string): SkiffError {
  return new SkiffError('IMAGE_FORMAT', `${what} is a Docker schema 1 manifest, which skiff does not read`, {
    hint: 'push the image again with a current docker, podman or skopeo (schema 2 or OCI)',
  });
}
