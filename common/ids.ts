// Branded identifiers. Values only become these types through the parse functions below,
// so nothing unvalidated is ever joined into a path (crun validate_id, youki ErrInvalidID).
import { SkiffError } from './errors.ts';

export type PodUuid = string & { readonly __brand: 'PodUuid' };
export type AppName = string & { readonly __brand: 'AppName' };
/** `sha256:<64 hex>` or `sha512:<128 hex>` — the OCI digest form. */
export type Digest = string & { readonly __brand: 'Digest' };
/** The image ID users see: `sha512-<hex>` (ACI, as rkt) or `sha256:<hex>` (OCI manifest digest). */
export type ImageId = string & { readonly __brand: 'ImageId' };
/** A key into the tree store: `<algo>-<hex>` (no colon, so it is a file name everywhere). */
export type TreeId = string & { readonly __brand: 'TreeId' };

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const APP_NAME_RE = /^[a-z0-9]+([-a-z0-9]*[a-z0-9])?$/; // appc ACName
const DIGEST_RE = /^(sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$/;
const IMAGE_ID_RE = /^(sha512-[0-9a-f]{128}|sha256:[0-9a-f]{64})$/;
const TREE_ID_RE = /^(sha256|sha512)-[0-9a-f]{64,128}$/;

export function parsePodUuid(value: string): PodUuid {
  if (!UUID_RE.test(value)) throw new SkiffError('USAGE', `invalid pod UUID ${JSON.stringify(value)}`);
  return value as PodUuid;
}

export function parseAppName(value: string): AppName {
  if (value.length > 253 || !APP_NAME_RE.test(value)) {
    throw new SkiffError('USAGE', `invalid app name ${JSON.stringify(value)}: use lowercase letters, digits and dashes`);
  }
  return value as AppName;
}

export function isDigest(value: string): boolean {
  return DIGEST_RE.test(value);
}

export function parseDigest(value: string): Digest {
  if (!DIGEST_RE.test(value)) throw new SkiffError('DIGEST_MISMATCH', `invalid digest ${JSON.stringify(value)}`);
  return value as Digest;
}

export function parseImageId(value: string): ImageId {
  if (!IMAGE_ID_RE.test(value)) throw new SkiffError('USAGE', `invalid image ID ${JSON.stringify(value)}`);
  return value as ImageId;
}

export function parseTreeId(value: string): TreeId {
  if (!TREE_ID_RE.test(value)) throw new SkiffError('INTERNAL', `invalid tree ID ${JSON.stringify(value)}`);
  return value as TreeId;
}

export function isFullImageId(value: string): boolean {
  return IMAGE_ID_RE.test(value);
}

/** `sha512-<hex>` image IDs and `sha256:<hex>` digests map onto a tree-store key. */
export function treeIdFor(id: ImageId | Digest): TreeId {
  return parseTreeId(id.replace(':', '-'));
}

export function digestOf(algo: 'sha256' | 'sha512', hex: string): Digest {
  return parseDigest(`${algo}:${hex}`);
}

export function aciImageId(sha512Hex: string): ImageId {
  return parseImageId(`sha512-${sha512Hex}`);
}

/** A pod volume's name (an appc ACName, like app names). */
export type VolumeName = string & { readonly __brand: 'VolumeName' };

export function parseVolumeName(value: string): VolumeName {
  if (value.length > 253 || !APP_NAME_RE.test(value)) {
    throw new SkiffError('USAGE', `invalid volume name ${JSON.stringify(value)}: use lowercase letters, digits and dashes`);
  }
  return value as VolumeName;
}
