// Paths inside an app's root, resolved the way the kernel would after chroot(root): every
// component is lstat'ed here, a symlink is followed relative to the app root (an absolute
// target starts again at the root, `..` stops at the root), so nothing an image ships can
// point a mount target or a file write at the host (filepath-securejoin, runc's
// SecureJoin). Mount targets are then created component by component below the last one
// that exists.
//
// Races: the root is an app rootfs that no process of the pod runs in yet, and only root
// can write it, so a component swapped between the lstat here and the mount is not a threat
// this guards against (runc has the same window without openat2).
import fs from 'node:fs';
import path from 'node:path';
import { SkiffError, wrap } from '../../common/errors.ts';
import { writeFileAtomic } from '../../common/write-atomic.ts';

/** Linux's own limit on symlinks followed in one lookup (MAXSYMLINKS). */
const MAX_SYMLINKS = 40;

export type EntryKind = 'dir' | 'file' | 'symlink' | 'other';

/** The two file system reads resolution needs; node:fs by default, a table in tests. */
export interface LookupFs {
  /** The kind of the entry at a host path, without following a final symlink; undefined when missing. */
  kindOf(hostPath: string): EntryKind | undefined;
  readlink(hostPath: string): string;
}

export interface InRootPath {
  /** The path as seen inside the root: absolute, normalized, symlinks resolved. */
  inRoot: string;
  /** The same path on the host: `root` joined with `inRoot`. */
  hostPath: string;
  /** Whether every component exists (and all but the last are directories). */
  exists: boolean;
  /** Kind of the final entry when it exists (a symlink only with `followFinal: false`). */
  kind: EntryKind | undefined;
  /** How many leading components of `inRoot` exist; the rest must be created. */
  existingDepth: number;
}

export interface ResolveOptions {
  /** Follow a symlink in the last component (default true, as open(2) without O_NOFOLLOW). */
  followFinal?: boolean;
  fs?: LookupFs;
}

export const nodeLookupFs: LookupFs = {
  kindOf(hostPath) {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(hostPath);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw err;
    }
    if (st.isSymbolicLink()) return 'symlink';
    if (st.isDirectory()) return 'dir';
    return st.isFile() ? 'file' : 'other';
  },
  readlink: (hostPath) => fs.readlinkSync(hostPath),
};

const componentsOf = (p: string): string[] => p.split('/').filter((c) => c !== '' && c !== '.');

/** Resolves `p` (absolute or relative to the root's `/`) inside `root`; see the file comment. */
export function resolveInRoot(root: string, p: string, opts: ResolveOptions = {}): InRootPath {
  const lookup = opts.fs ?? nodeLookupFs;
  const followFinal = opts.followFinal ?? true;
  const resolved: string[] = [];
  const pending = componentsOf(p);
  // Index in `resolved` of the first component that does not exist (or sits under a non-directory).
  let missingFrom: number | undefined;
  let kind: EntryKind | undefined = 'dir';
  let links = 0;
  while (pending.length > 0) {
    const c = pending.shift() as string;
    if (c === '..') {
      resolved.pop();
      if (missingFrom !== undefined && resolved.length <= missingFrom) missingFrom = undefined;
      kind = missingFrom === undefined ? 'dir' : undefined;
      continue;
    }
    if (missingFrom !== undefined) {
      resolved.push(c);
      continue;
    }
    if (kind !== 'dir') {
      // A file (or device…) used as a directory: the kernel says ENOTDIR; nothing below exists.
      missingFrom = resolved.length;
      resolved.push(c);
      kind = undefined;
      continue;
    }
    const hostPath = path.join(root, ...resolved, c);
    const found = lookup.kindOf(hostPath);
    if (found === undefined) {
      missingFrom = resolved.length;
      resolved.push(c);
      kind = undefined;
      continue;
    }
    if (found === 'symlink' && (pending.length > 0 || followFinal)) {
      if (++links > MAX_SYMLINKS) {
        throw new SkiffError('IO', `resolving ${p} in ${root}: too many levels of symbolic links (a symlink loop in the image?)`);
      }
      const target = lookup.readlink(hostPath);
      if (target.startsWith('/')) resolved.length = 0;
      pending.unshift(...componentsOf(target));
      kind = 'dir'; // the directory the link sits in (or the root): where its target starts
      continue;
    }
    resolved.push(c);
    kind = found;
  }
  const inRoot = `/${resolved.join('/')}`;
  const exists = missingFrom === undefined;
  return {
    inRoot,
    hostPath: resolved.length === 0 ? root : path.join(root, ...resolved),
    exists,
    kind: exists ? kind : undefined,
    existingDepth: missingFrom ?? resolved.length,
  };
}

/**
 * Makes `p` exist inside `root` as a directory or an empty file (a mount target), creating
 * missing parents as directories (0755). Refuses a target whose kind does not match, since
 * a directory cannot be bind-mounted onto a file nor the other way round. Returns the host path.
 */
export function ensurePathInRoot(root: string, p: string, kind: 'dir' | 'file'): string {
  const found = resolveInRoot(root, p);
  if (found.exists) {
    const isDir = found.kind === 'dir';
    if (isDir !== (kind === 'dir')) {
      throw new SkiffError('IO', `cannot mount onto ${found.inRoot} in the app's root: it is ${isDir ? 'a directory' : 'not a directory'}, the source is ${kind === 'dir' ? 'a directory' : 'a file'}`);
    }
    return found.hostPath;
  }
  const parts = componentsOf(found.inRoot);
  try {
    for (let i = found.existingDepth; i < parts.length; i++) {
      const hostPath = path.join(root, ...parts.slice(0, i + 1));
      if (i === parts.length - 1 && kind === 'file') {
        fs.closeSync(fs.openSync(hostPath, fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_WRONLY | fs.constants.O_NOFOLLOW, 0o644));
      } else {
        fs.mkdirSync(hostPath, 0o755);
      }
    }
  } catch (err) {
    throw wrap(err, `creating ${found.inRoot} in the app's root ${root}`);
  }
  return found.hostPath;
}

/** Reads a regular file inside the root, or returns undefined when there is none. */
export function readFileInRoot(root: string, p: string): string | undefined {
  const found = resolveInRoot(root, p);
  if (!found.exists || found.kind !== 'file') return undefined;
  return fs.readFileSync(found.hostPath, 'utf8');
}

/**
 * Writes a file inside the root. The parent is resolved inside the root (and created); the
 * file itself is replaced by rename, so a symlink in its place is replaced, never followed.
 */
export function writeFileInRoot(root: string, p: string, data: string, mode = 0o644): string {
  const parent = path.posix.dirname(path.posix.join('/', p));
  const name = path.posix.basename(p);
  if (name === '' || name === '.' || name === '..') throw new SkiffError('INTERNAL', `cannot write ${p} in the app's root`);
  const dir = ensurePathInRoot(root, parent, 'dir');
  const target = path.join(dir, name);
  try {
    writeFileAtomic(target, data, mode);
  } catch (err) {
    throw wrap(err, `writing ${path.posix.join(parent, name)} in the app's root ${root}`);
  }
  return target;
}
