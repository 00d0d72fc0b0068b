// The tree hash names a rendered tree by its metadata only. File contents are not hashed again:
// they came out of an archive whose digest was verified before extraction, so re-reading every
// byte would double the cost of a render for no new assurance. What can go wrong between the
// archive and the tree is caught by the stamp (tree-stamp.ts), not by this hash.
import { createHash } from '../../common/node-crypto.ts';
import { compareEntries } from './tree-entry.ts';
import type { TreeEntry } from './tree-entry.ts';

/** Bumped if the serialization below changes, so old and new hashes can never collide. */
const FORMAT = 'skiff-tree-v1\n';

/**
 * `sha512-<hex>` over a canonical serialization: entries sorted by path (then kind), one JSON
 * array per line with a fixed field order. JSON escapes newlines and quotes, so no path can
 * forge a line boundary.
 */
export function computeTreeHash(entries: readonly TreeEntry[]): string {
  const hash = createHash('sha512');
  hash.update(FORMAT);
  const sorted = [...entries].sort(compareEntries);
  let batch = '';
  for (const e of sorted) {
    batch += `${JSON.stringify([
      e.path,
      e.kind,
      e.mode,
      e.uid,
      e.gid,
      e.size,
      e.linkname ?? null,
      e.devmajor ?? null,
      e.devminor ?? null,
    ])}\n`;
    // Batching keeps the number of update() calls (each a native crossing) low.
    if (batch.length > 65536) {
      hash.update(batch);
      batch = '';
    }
  }
  hash.update(batch);
  return `sha512-${hash.digest('hex')}`;
}
