// The listing of a rendered tree and the shape of the record kept beside it in the tree store.
export const TREE_KINDS = ['file', 'dir', 'symlink', 'hardlink', 'char', 'block', 'fifo', 'whiteout', 'opaque'] as const;
export type TreeKind = (typeof TREE_KINDS)[number];

export interface TreeEntry {
  /** Relative, posix, normalized; the root itself is `.`. */
  path: string;
  kind: TreeKind;
  /** Permission bits and setuid/setgid/sticky (no file-type bits). */
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Symlink target (verbatim) or, for a hardlink, the tree path it shares an inode with. */
  linkname?: string;
  devmajor?: number;
  devminor?: number;
}

/** What lstat said about one path right after rendering. Strings because ino and ns times are 64-bit. */
export interface StampEntry {
  ino: string;
  ctimeNs: string;
  size: number;
  /** Full st_mode, file-type bits included, so a file replaced by a symlink is caught even if ino is reused. */
  mode: number;
}

export type TreeStamp = Record<string, StampEntry>;

export interface TreeRecord {
  /** The tree-store key, when the record was written by the tree store. */
  treeId?: string;
  /** `sha512-<hex>` of the canonical listing (tree-hash.ts). */
  treeHash: string;
  /** Digest of the verified archive (or image ID) the tree was rendered from. */
  source: string;
  entries: TreeEntry[];
  stamp: TreeStamp;
}

export const ROOT_PATH = '.';

/** Entries that stand for a file of their own on disk; an opaque marker is an xattr on its directory. */
export function hasOwnInode(entry: TreeEntry): boolean {
  return entry.kind !== 'opaque';
}

export function compareEntries(a: TreeEntry, b: TreeEntry): number {
  if (a.path !== b.path) return a.path < b.path ? -1 : 1;
  if (a.kind === b.kind) return 0;
  return a.kind < b.kind ? -1 : 1;
}
