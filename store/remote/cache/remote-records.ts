// rkt's `remote` table as files: one small JSON record per remote source (an ACI URL, a
// docker:// reference, a discovery request), named by the sha256 of its key so any URL maps
// to one safe name. Records are hints: a missing, unreadable or stale one only costs a
// download, and the image it names is looked up in the index before it is used.
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from '../../../common/node-crypto.ts';
import type { ImageId } from '../../../common/ids.ts';
import * as layout from '../../../common/layout.ts';
import { writeJsonAtomic } from '../../../common/write-atomic.ts';
import type { DiscoveredEndpoints } from '../discovery/templates.ts';

export interface RemoteRecord {
  /** What the record is about: `https://…/x.aci`, `docker://host/repo:tag`, or `discovery:NAME,LABELS`. */
  key: string;
  /** When the image (or discovery page) was last fetched or revalidated (ISO). */
  fetchedAt: string;
  /** Seconds from fetchedAt during which it is used without asking (Cache-Control max-age). */
  maxAge: number;
  etag?: string;
  imageId?: ImageId;
  /** The signature's URL, for ACIs. */
  ascUrl?: string;
  /**
   * Fingerprint of the key whose signature was checked. Absent when it was fetched with
   * --insecure-options=image: such a record must not let a later, checked fetch skip the check.
   */
  signedBy?: string;
  /** For discovery records: what the page said. */
  discovery?: DiscoveredEndpoints;
}

export function remoteRecordKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function readRemoteRecord(dataDir: string, key: string): RemoteRecord | undefined {
  let text: string;
  try {
    text = fs.readFileSync(layout.remoteCacheRecordPath(dataDir, remoteRecordKey(key)), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const rec = JSON.parse(text) as RemoteRecord;
    // A hash collision is not a worry; a record copied by hand under the wrong name is.
    return rec.key === key && typeof rec.fetchedAt === 'string' && typeof rec.maxAge === 'number' ? rec : undefined;
  } catch {
    return undefined;
  }
}

export function writeRemoteRecord(dataDir: string, rec: RemoteRecord): void {
  fs.mkdirSync(layout.remoteCacheDir(dataDir), { recursive: true, mode: 0o755 });
  writeJsonAtomic(layout.remoteCacheRecordPath(dataDir, remoteRecordKey(rec.key)), rec);
}

export function removeRemoteRecord(dataDir: string, key: string): void {
  fs.rmSync(layout.remoteCacheRecordPath(dataDir, remoteRecordKey(key)), { force: true });
}

/**
 * Removes the records that name an image no longer in the index (`image gc`): they would only
 * cost a lookup. Records without an image (discovery pages) stay while they are fresh.
 * Returns how many went.
 */
export function pruneRemoteRecords(dataDir: string, liveImages: ReadonlySet<string>, now: number): number {
  let names: string[];
  try {
    names = fs.readdirSync(layout.remoteCacheDir(dataDir));
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const file = path.join(layout.remoteCacheDir(dataDir), name);
    let rec: Partial<RemoteRecord> | undefined;
    try {
      rec = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<RemoteRecord>;
    } catch {
      rec = undefined; // damaged or a temp file of an interrupted write: debris
    }
    const stale = rec === undefined
      || (rec.imageId !== undefined ? !liveImages.has(rec.imageId) : Date.parse(rec.fetchedAt ?? '') + (rec.maxAge ?? 0) * 1000 < now);
    if (!stale) continue;
    fs.rmSync(file, { force: true });
    removed++;
  }
  return removed;
}
