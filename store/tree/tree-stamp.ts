// Cheap, strong detection of on-disk changes to a rendered tree, the way git's index notices a
// modified work tree without reading it: right after rendering we record each path's inode
// number, ctime (ns), size and st_mode, and before use we lstat everything again.
//
// ctime is the anchor. The kernel sets it to "now" on every write, truncate, chmod, chown,
// link-count change, xattr change and rename, and no syscall lets user space set it back
// (utimensat moves atime/mtime only). So content edits, permission or owner changes and a file
// replaced by another (new inode, or a new ctime if an inode number is reused) all show up, and
// so do added or removed names, since the directory holding them gets a new ctime too and the
// walk sees the name itself. Limits, as in git's "racy" case: on a filesystem with coarse
// timestamps an edit in the same tick as the capture that keeps the size could slip by, and
// anyone who can change the system clock can forge a ctime; root in the host can always lie.
import fs from 'node:fs';
import path from 'node:path';
import { SkiffError } from '../../common/errors.ts';
import { computeTreeHash } from './tree-hash.ts';
import { hasOwnInode, ROOT_PATH } from './tree-entry.ts';
import type { StampEntry, TreeEntry, TreeRecord, TreeStamp } from './tree-entry.ts';

function stampOf(st: fs.BigIntStats): StampEntry {
  return { ino: st.ino.toString(), ctimeNs: st.ctimeNs.toString(), size: Number(st.size), mode: Number(st.mode) };
}

const absOf = (rootDir: string, rel: string): string => (rel === ROOT_PATH ? rootDir : `${rootDir}/${rel}`);

/** lstat every listed path; call right after extraction, before anything else can touch the tree. */
export function captureStamp(rootDir: string, entries: readonly TreeEntry[]): TreeStamp {
  // No prototype: a tree may well hold a file called `__proto__`.
  const stamp = Object.create(null) as TreeStamp;
  const root = path.resolve(rootDir);
  for (const e of entries) {
    if (!hasOwnInode(e)) continue;
    stamp[e.path] = stampOf(fs.lstatSync(absOf(root, e.path), { bigint: true }));
  }
  return stamp;
}

export function buildTreeRecord(rootDir: string, source: string, entries: TreeEntry[]): TreeRecord {
  return { treeHash: computeTreeHash(entries), source, entries, stamp: captureStamp(rootDir, entries) };
}

export interface VerifyOptions {
  /** How the tree is named in the error (default: its tree ID, else its source). */
  label?: string;
}

function describeChange(want: StampEntry, got: StampEntry): string | null {
  if (want.mode !== got.mode) return `mode ${want.mode.toString(8)} is now ${got.mode.toString(8)}`;
  if (want.ino !== got.ino) return 'it was replaced by another file';
  if (want.size !== got.size) return `size ${want.size} is now ${got.size}`;
  if (want.ctimeNs !== got.ctimeNs) return 'its contents or metadata were written';
  return null;
}

/**
 * Walks the tree (readdir + lstat, synchronous: thousands of tiny syscalls are far cheaper
 * inline than through the thread pool) and throws TREE_CORRUPT on the first path that was
 * added, removed or changed since captureStamp.
 */
export function verifyTree(rootDir: string, record: TreeRecord, opts: VerifyOptions = {}): void {
  const label = opts.label ?? record.treeId ?? record.source;
  const stamp = record.stamp;
  const fail = (rel: string, what: string): never => {
    throw new SkiffError('TREE_CORRUPT', `tree ${label} was modified on disk: ${rel} ${what}`, {
      hint: 're-render it by dropping it with `skiff image gc`, or pass --insecure-options=ondisk to use it as it is',
    });
  };
  const root = path.resolve(rootDir);
  let seen = 0;
  // A directory whose only change is its ctime usually means a name was added or removed in
  // it; keep walking so the error can name that path rather than its directory.
  let dirChange: { rel: string; what: string } | null = null;
  const walk = (rel: string, abs: string): void => {
    const st = fs.lstatSync(abs, { bigint: true, throwIfNoEntry: false });
    if (st === undefined) return fail(rel, 'is missing');
    const want = Object.hasOwn(stamp, rel) ? stamp[rel] : undefined;
    if (want === undefined) return fail(rel, 'was added');
    const change = describeChange(want, stampOf(st));
    seen++;
    if (!st.isDirectory()) {
      if (change !== null) fail(rel, `changed (${change})`);
      return;
    }
    if (change !== null) dirChange ??= { rel, what: `changed (${change})` };
    for (const name of fs.readdirSync(abs)) walk(rel === ROOT_PATH ? name : `${rel}/${name}`, `${abs}/${name}`);
  };
  walk(ROOT_PATH, root);
  const expected = Object.keys(stamp).length;
  if (seen !== expected) {
    // Only on failure: name one recorded path the walk did not find.
    for (const rel of Object.keys(stamp)) {
      if (fs.lstatSync(absOf(root, rel), { throwIfNoEntry: false }) === undefined) fail(rel, 'is missing');
    }
    fail(ROOT_PATH, `changed (${seen} paths found, ${expected} recorded)`);
  }
  const dc = dirChange as { rel: string; what: string } | null;
  if (dc !== null) fail(dc.rel, dc.what);
}
