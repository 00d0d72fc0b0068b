// Pure rules for the names the trust store is keyed by: which prefixes an image name is trusted
// under, what a valid prefix is, and the canonical form of a key fingerprint. These values
// become path segments (common/layout.ts), so they are validated here first.
import { SkiffError } from '../../common/errors.ts';

/** appc's ACIdentifier (schema/types/acidentifier.go): image names and trust prefixes. */
const AC_IDENTIFIER_RE = /^[a-z0-9]+([-._~/][a-z0-9]+)*$/;
/** v4 keys have 20-byte fingerprints, v6 keys 32-byte ones. */
const FINGERPRINT_RE = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

/** Where a trusted key applies: to every image (root) or to names under one prefix. */
export type TrustScope = { kind: 'root' } | { kind: 'prefix'; prefix: string };

export function isAcIdentifier(value: string): boolean {
  return value.length <= 512 && AC_IDENTIFIER_RE.test(value);
}

/** A `--prefix` value as the store keys it; refuses what is not an appc image name. */
export function parseTrustPrefix(value: string): string {
  if (!isAcIdentifier(value)) {
    throw new SkiffError('USAGE', `${JSON.stringify(value)} is not a valid image name prefix`, {
      hint: 'use an appc image name or a leading part of one, such as example.com/app',
    });
  }
  return value;
}

/**
 * The prefixes whose keys may sign an image called `name`, most specific first:
 * example.com/app/x → example.com/app/x, example.com/app, example.com (rkt's pubkey manager).
 */
export function trustPrefixesFor(name: string): string[] {
  const parts = name.split('/');
  // The manifest schema follows appc's lax Go check, which lets `a/../b` through; a segment like
  // that would walk the key directory, so only the clean leading segments name prefixes.
  const bad = parts.findIndex((p) => p === '' || p === '.' || p === '..');
  const usable = bad === -1 ? parts.length : bad;
  const out: string[] = [];
  for (let n = usable; n >= 1; n--) out.push(parts.slice(0, n).join('/'));
  return out;
}

/** A fingerprint as typed by a user or printed by gpg (any case, spaces allowed) → lowercase hex. */
export function parseFingerprint(value: string): string {
  const fp = value.replace(/\s+/g, '').toLowerCase();
  if (!FINGERPRINT_RE.test(fp)) {
    throw new SkiffError('USAGE', `${JSON.stringify(value)} is not a key fingerprint`, {
      hint: 'give the 40 hex digits `skiff trust list` shows',
    });
  }
  return fp;
}

export function isFingerprint(value: string): boolean {
  return FINGERPRINT_RE.test(value);
}

export function describeScope(scope: TrustScope): string {
  return scope.kind === 'root' ? 'all images (root)' : `images under ${scope.prefix}`;
}
