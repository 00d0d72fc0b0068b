// Reading OpenPGP public keys (a file the user trusts, or a key from the trust store) with
// openpgp.js, and describing them the way the trust prompt and `trust list` show them.
// openpgp is about 1 MB of JavaScript: callers reach this module through `await import()`.
import type { Key } from 'openpgp';
import { SkiffError } from '../../common/errors.ts';

export interface PublicKeyInfo {
  /** Lowercase hex, as the key's file in the store is named. */
  fingerprint: string;
  userIds: string[];
  /** e.g. `rsa 3072`, `ed25519`. */
  algorithm: string;
  created: Date;
  /** Undefined when the key never expires. */
  expires: Date | undefined;
  /** Why the key cannot be used now (revoked, expired, no signing capability), if it cannot. */
  unusable: string | undefined;
  /** The public part only, ASCII-armored: what the store keeps. */
  armored: string;
  key: Key;
}

const ARMOR_RE = /^\s*-----BEGIN PGP /;

export function isArmored(bytes: Uint8Array): boolean {
  return ARMOR_RE.test(Buffer.from(bytes.subarray(0, 64)).toString('latin1'));
}

/** Every key in an armored or binary key file (a keyring export may hold several). */
export async function readPublicKeys(bytes: Uint8Array, what: string): Promise<PublicKeyInfo[]> {
  const openpgp = await import('openpgp');
  let keys: Key[];
  try {
    keys = isArmored(bytes)
      ? await openpgp.readKeys({ armoredKeys: Buffer.from(bytes).toString('utf8') })
      : await openpgp.readKeys({ binaryKeys: bytes });
  } catch (err) {
    throw new SkiffError('IMAGE_FORMAT', `${what} is not an OpenPGP public key: ${errorText(err)}`, {
      hint: 'export one with `gpg --armor --export KEYID`',
      cause: err,
    });
  }
  return Promise.all(keys.map((k) => describeKey(k.isPrivate() ? k.toPublic() : k)));
}

async function describeKey(key: Key): Promise<PublicKeyInfo> {
  const info = key.getAlgorithmInfo();
  const expiry = await key.getExpirationTime().catch(() => null);
  return {
    fingerprint: key.getFingerprint().toLowerCase(),
    userIds: key.getUserIDs(),
    algorithm: info.bits ? `${info.algorithm.replace(/^rsa\w*/, 'rsa')} ${info.bits}` : info.curve ? String(info.curve).replace(/Legacy$/, '') : info.algorithm,
    created: key.getCreationTime(),
    expires: expiry instanceof Date ? expiry : undefined,
    unusable: await whyUnusable(key),
    armored: key.armor(),
    key,
  };
}

/** Undefined if the key can sign today; otherwise a short reason (revoked, expired…). */
export async function whyUnusable(key: Key, now = new Date()): Promise<string | undefined> {
  if (await key.isRevoked(undefined, undefined, now).catch(() => false)) return 'it has been revoked';
  try {
    await key.verifyPrimaryKey(now);
  } catch (err) {
    const expiry = await key.getExpirationTime().catch(() => null);
    if (expiry instanceof Date && expiry <= now) return `it expired on ${expiry.toISOString().slice(0, 10)}`;
    return `its self-signatures do not verify (${errorText(err)})`;
  }
  try {
    await key.getSigningKey(undefined, now);
  } catch {
    return 'it has no valid signing key (revoked or expired subkeys?)';
  }
  return undefined;
}

/** openpgp's messages start with a capital and sometimes wrap ("Error verifying…: "). */
export function errorText(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.charAt(0).toLowerCase() + msg.slice(1);
}
