// `skiff trust list`: every effective trusted key with what its file says about it.
import fs from 'node:fs';
import type { ConfigDirs } from '../../common/context.ts';
import { listTrustedKeys, type KeyOrigin } from './key-store.ts';
import { errorText, readPublicKeys } from './public-keys.ts';

export interface TrustedKeyListing {
  /** The prefix the key is trusted for; null for a root key (every image). */
  prefix: string | null;
  fingerprint: string;
  origin: KeyOrigin;
  path: string;
  userIds: string[];
  algorithm: string | null;
  /** ISO date, or null when the key never expires. */
  expires: string | null;
  /** Why the key cannot verify anything today (revoked, expired, unreadable), or null. */
  problem: string | null;
}

export async function describeTrustedKeys(config: ConfigDirs): Promise<TrustedKeyListing[]> {
  const out: TrustedKeyListing[] = [];
  for (const k of listTrustedKeys(config)) {
    const base = { prefix: k.scope.kind === 'root' ? null : k.scope.prefix, fingerprint: k.fingerprint, origin: k.origin, path: k.path };
    try {
      const [key] = await readPublicKeys(fs.readFileSync(k.path), k.path);
      out.push({
        ...base,
        userIds: key?.userIds ?? [],
        algorithm: key?.algorithm ?? null,
        expires: key?.expires?.toISOString() ?? null,
        problem: key?.unusable ?? (key?.fingerprint === k.fingerprint ? null : `the file holds key ${key?.fingerprint ?? 'none'}`),
      });
    } catch (err) {
      out.push({ ...base, userIds: [], algorithm: null, expires: null, problem: errorText(err) });
    }
  }
  return out;
}
