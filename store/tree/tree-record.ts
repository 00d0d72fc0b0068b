// The tree record API: what the tree store writes beside a rendered tree (record.json) and
// checks before using it. The record is what lets a later run trust the tree without reading
// its contents again (see tree-stamp.ts).
import { SkiffError } from '../../common/errors.ts';
import { TREE_KINDS } from './tree-entry.ts';
import type { StampEntry, TreeEntry, TreeRecord } from './tree-entry.ts';

export { computeTreeHash } from './tree-hash.ts';
export { buildTreeRecord, captureStamp, verifyTree } from './tree-stamp.ts';
export type { VerifyOptions } from './tree-stamp.ts';
export { ROOT_PATH, TREE_KINDS } from './tree-entry.ts';
export type { StampEntry, TreeEntry, TreeKind, TreeRecord, TreeStamp } from './tree-entry.ts';

function corrupt(what: string): SkiffError {
  return new SkiffError('TREE_CORRUPT', `tree record is damaged: ${what}`, {
    hint: 'remove the image (`skiff image rm`), run `skiff image gc` and fetch it again',
  });
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/** Checks the shape of a record read back from disk, so later code can trust its types. */
export function parseTreeRecord(value: unknown): TreeRecord {
  const rec = value as Partial<TreeRecord> | null;
  if (!rec || typeof rec !== 'object') throw corrupt('not an object');
  if (typeof rec.treeHash !== 'string' || !/^sha512-[0-9a-f]{128}$/.test(rec.treeHash)) throw corrupt('bad treeHash');
  if (typeof rec.source !== 'string') throw corrupt('bad source');
  if (!Array.isArray(rec.entries)) throw corrupt('entries is not a list');
  for (const e of rec.entries as unknown[]) {
    const t = e as Partial<TreeEntry> | null;
    if (
      !t ||
      typeof t.path !== 'string' ||
      !(TREE_KINDS as readonly string[]).includes(t.kind as string) ||
      !isInt(t.mode) ||
      !isInt(t.uid) ||
      !isInt(t.gid) ||
      !isInt(t.size)
    ) {
      throw corrupt(`bad entry ${JSON.stringify(e)?.slice(0, 200)}`);
    }
  }
  if (!rec.stamp || typeof rec.stamp !== 'object') throw corrupt('stamp is missing');
  for (const [p, s] of Object.entries(rec.stamp as Record<string, Partial<StampEntry>>)) {
    if (typeof s?.ino !== 'string' || typeof s.ctimeNs !== 'string' || !isInt(s.size) || !isInt(s.mode)) {
      throw corrupt(`bad stamp for ${JSON.stringify(p)}`);
    }
  }
  return rec as TreeRecord;
}
