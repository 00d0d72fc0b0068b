// HTTP caching headers, read the way rkt's `remote` table used them: `max-age` says how long
// an image may be used without asking the server again, the ETag lets skiff ask cheaply
// (If-None-Match → 304). Pure.

export interface CachePolicy {
  /** Seconds a response stays fresh; 0 = ask again every time. */
  maxAge: number;
  /** `no-store`: keep nothing about the response (no ETag either). */
  noStore: boolean;
}

/**
 * From response headers. `no-cache` and `no-store` make a response stale at once; without
 * `max-age`, `Expires` minus `Date` (RFC 9111's fallback) gives the lifetime.
 */
export function cachePolicyFromHeaders(headers: { 'cache-control'?: string | undefined; expires?: string | undefined; date?: string | undefined }): CachePolicy {
  const directives = parseCacheControl(headers['cache-control'] ?? '');
  const noStore = directives.has('no-store');
  if (noStore || directives.has('no-cache')) return { maxAge: 0, noStore };
  const maxAge = directives.get('max-age');
  if (maxAge !== undefined) return { maxAge: parseSeconds(maxAge), noStore };
  if (headers.expires !== undefined) {
    const expires = Date.parse(headers.expires);
    const date = headers.date === undefined ? NaN : Date.parse(headers.date);
    if (Number.isFinite(expires) && Number.isFinite(date)) return { maxAge: Math.max(0, Math.floor((expires - date) / 1000)), noStore };
  }
  return { maxAge: 0, noStore };
}

/** `max-age=60, no-cache` → { 'max-age' → '60', 'no-cache' → '' }; names lowercased, quotes removed. */
export function parseCacheControl(value: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    const name = (eq === -1 ? part : part.slice(0, eq)).trim().toLowerCase();
    if (name === '' || out.has(name)) continue;
    out.set(name, eq === -1 ? '' : part.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1'));
  }
  return out;
}

function parseSeconds(text: string): number {
  // A malformed max-age means "stale" (RFC 9111 §4.2.1); a huge one is capped at a year.
  if (!/^\d+$/.test(text)) return 0;
  return Math.min(Number(text), 365 * 24 * 3600);
}

/** Whether something fetched at `fetchedAt` with `maxAge` may be used at `now` without asking. */
export function isFresh(entry: { fetchedAt: string; maxAge: number }, now: number): boolean {
  const fetched = Date.parse(entry.fetchedAt);
  if (!Number.isFinite(fetched) || entry.maxAge <= 0) return false;
  // A clock set back must not make an old entry fresh for ever.
  const age = now - fetched;
  return age >= 0 && age < entry.maxAge * 1000;
}
