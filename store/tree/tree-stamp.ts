// Cheap, strong detection of on-disk changes to a rendered tree, the way git's index notices a
// modified work tree without reading it: right after rendering we record each path's inode
// number, ctime (ns), size and st_mode, and before use we lstat every recorded path again.
//
// ctime is the anchor. The kernel sets it to "now" on every write, truncate, chmod, chown,
// link-count change, xattr change and rename, and no syscall lets user space set it back
// (utimensat moves atime/mtime only). So content edits, permission or owner changes and a file
// replaced by another (new inode, or a new ctime if an inode number is reused) all show up.
// Names added to or removed from a directory change that directory's ctime too, so, like git's
// untracked cache, only a directory whose stamp changed is read again to name what appeared;
// a removed path is found missing by its own lstat. That keeps verification at one lstat per
// path, no readdir, for a tree that is intact (about 25 ms for 9k files here).
//
// Limits, as in git's "racy" case: on a filesystem with coarse timestamps an edit in the same
// tick as the capture that keeps the size could slip by, and anyone who can set the system
// clock can forge a ctime; root in the host can always lie.
import fs from 'node:fs';
import path from 'node:path';
import { SkiffError } from '../../common/errors.ts';
import { computeTreeHash } from './tree-hash.ts';
import { hasOwnInode, ROOT_PATH } from './tree-entry.ts';
import type { StampEntry, TreeEntry, TreeRecord, TreeStamp } from './tree-entry.ts';

const absOf = (root: string, rel: string): string => (rel === ROOT_PATH ? root : `${root}/${rel}`);

/** lstat every listed path; call right after extraction, before anything else can touch the tree. */
export function captureStamp(rootDir: string, entries: readonly TreeEntry[]): TreeStamp {
  // No prototype: a tree may well hold a file called `__proto__`.
  const stamp = Object.create(null) as TreeStamp;
  const root = path.resolve(rootDir);
  for (const e of entries) {
    if (!hasOwnInode(e)) continue;
    const st = fs.lstatSync(absOf(root, e.path), { bigint: true });
    stamp[e.path] = { ino: st.ino.toString(), ctimeNs: st.ctimeNs.toString(), size: Number(st.size), mode: Number(st.mode) };
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

function describeChange(want: StampEntry, st: fs.BigIntStats): string | null {
  const mode = Number(st.mode);
  if (want.mode !== mode) return `mode ${want.mode.toString(8)} is now ${mode.toString(8)}`;
  if (want.ino !== st.ino.toString()) return 'it was replaced by another file';
  if (want.size !== Number(st.size)) return `size ${want.size} is now ${Number(st.size)}`;
  if (want.ctimeNs !== st.ctimeNs.toString()) return 'its contents or metadata were written';
  return null;
}

/**
 * Throws TREE_CORRUPT naming the first path that was added, removed or changed since
 * captureStamp. Synchronous on purpose: thousands of tiny syscalls are far cheaper inline
 * than as thread-pool round trips.
 */
export function verifyTree(rootDir: string, record: TreeRecord, opts: VerifyOptions = {}): void {
  const label = opts.label ?? record.treeId ?? record.source;
  const stamp = record.stamp;
  const fail = (rel: string, what: string): never => {
    throw new SkiffError('TREE_CORRUPT', `tree ${label} was modified on disk: ${rel} ${what}`, {
      hint: 'remove the image (`skiff image rm`), run `skiff image gc` and fetch it again, or pass --insecure-options=ondisk to use the tree as it is',
    });
  };
  const root = path.resolve(rootDir);
  // Directories whose only change is their ctime: a name was probably added (or the owner or
  // an xattr changed). Looked at after every path has been checked, so a missing or modified
  // file is reported by name before its directory is.
  const touchedDirs: Array<{ rel: string; what: string }> = [];
  for (const rel of Object.keys(stamp)) {
    const want = stamp[rel] as StampEntry;
    const st = fs.lstatSync(absOf(root, rel), { bigint: true, throwIfNoEntry: false });
    if (st === undefined) return fail(rel, 'is missing');
    const change = describeChange(want, st);
    if (change === null) continue;
    if (st.isDirectory() && want.mode === Number(st.mode) && want.ino === st.ino.toString()) {
      touchedDirs.push({ rel, what: change });
      continue;
    }
    fail(rel, `changed (${change})`);
  }
  for (const { rel, what } of touchedDirs) {
    for (const name of fs.readdirSync(absOf(root, rel))) {
      const child = rel === ROOT_PATH ? name : `${rel}/${name}`;
      if (!Object.hasOwn(stamp, child)) fail(child, 'was added');
    }
    fail(rel, `changed (${what})`);
  }
}
