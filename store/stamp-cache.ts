// Every `skiff run` hashes the stage1 ACI to find its image ID (~5 ms for 1 MB) and re-hashes
// the entry list of each tree record it uses, and both need node:crypto (~11 ms to load). As
// with the tree stamps (store/tree/tree-stamp.ts), a file whose device, inode, size, mtime and
// ctime (ns) are unchanged has unchanged contents, so what was derived from it is kept by path
// and stamp in one small record.
//
// The record decides which image stage0 hands control to, so it is used only if this user owns
// it and nobody else can write it (a store group member must not be able to point the stage1
// at an image of theirs). A file changed less than two seconds ago is not recorded: a second
// write within the same ctime tick (coarse on some filesystems) could keep its stamp. Keys are
// `<kind>:<path>`; entries whose file is gone are dropped whenever the record is written.
import fs from 'node:fs';
import { stampCachePath } from '../common/layout.ts';
import { fileStamp, readOwnedFile } from '../common/owned-file.ts';
import { VOLATILE, writeJsonAtomic } from '../common/write-atomic.ts';

const RACY_NS = 2_000_000_000n;

interface Remembered {
  stamp: string;
  value: string;
}

function readCache(file: string): Record<string, Remembered> {
  const bytes = readOwnedFile(file, 0o022);
  if (!bytes) return {};
  try {
    const parsed: unknown = JSON.parse(bytes.toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, Remembered>) : {};
  } catch {
    return {};
  }
}

/** The value remembered for `key` (a kind and a path) if it was derived from a file with this stamp. */
export function recall(dataDir: string, key: string, stamp: string): string | undefined {
  const cache = readCache(stampCachePath(dataDir));
  const hit = Object.hasOwn(cache, key) ? cache[key] : undefined;
  return hit?.stamp === stamp && typeof hit.value === 'string' ? hit.value : undefined;
}

/** Remembers `value` for `key`, unless the file (whose stats gave `stamp`) changed too recently. */
export function remember(dataDir: string, key: string, st: fs.BigIntStats, value: string, nowMs = Date.now()): void {
  if (BigInt(nowMs) * 1_000_000n - st.ctimeNs < RACY_NS) return;
  const file = stampCachePath(dataDir);
  const kept = Object.entries(readCache(file)).filter(([k]) => fs.existsSync(k.slice(k.indexOf(':') + 1)));
  try {
    writeJsonAtomic(file, { ...Object.fromEntries(kept), [key]: { stamp: fileStamp(st), value } }, 0o600, VOLATILE);
  } catch {
    // A cache that cannot be written (a read-only store) only costs the work next time.
  }
}
