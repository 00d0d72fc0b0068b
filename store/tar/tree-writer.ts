// Places archive entries under a root directory with synchronous syscalls. Thousands of tiny
// files are dominated by per-call overhead, and a sync call costs a syscall while an async one
// costs a thread-pool round trip (npm `tar` spends most of its time there). The writer also
// remembers every directory it has verified, so a typical entry costs no mkdir or stat at all.
//
// Safety: the kernel is never allowed to follow a symlink while an entry is placed. Every
// parent is a directory this writer created or lstat'ed (and forgot again if it was later
// replaced), and the final component is always created with O_EXCL / O_NOFOLLOW semantics
// (open, mkdir, symlink, link and mknod all fail on an existing name rather than follow it).
import fs from 'node:fs';
import path from 'node:path';
import { SkiffError } from '../../common/errors.ts';
import type { Host } from '../../common/host.ts';
import type { Logger } from '../../common/log.ts';
import { compareEntries, ROOT_PATH } from '../tree/tree-entry.ts';
import type { TreeEntry, TreeKind } from '../tree/tree-entry.ts';
import { joinRel, parentOf, unsafeEntry } from './entry-name.ts';

export interface EntryMeta {
  mode: number;
  uid: number;
  gid: number;
  /** Seconds since the epoch (fractional from pax), or null to leave the time alone. */
  mtime: number | null;
}

export interface TreeWriterOptions {
  root: string;
  preserveOwnership: boolean;
  host: Host;
  log?: Logger;
  /** The listing of what already sits under root (lower layers, when applying a layer on top). */
  lower?: readonly TreeEntry[];
}

export type SpecialKind = 'char' | 'block' | 'fifo';

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;
const CREATE_FLAGS = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW;

function isErrno(err: unknown, code: string): boolean {
  return (err as NodeJS.ErrnoException | null)?.code === code;
}

export class TreeWriter {
  readonly root: string;
  /** The tree as it stands: lower entries plus this archive's, by path. */
  readonly entries = new Map<string, TreeEntry>();
  /** Paths this archive wrote, as opposed to ones a lower layer left (whiteouts apply to lower only). */
  readonly written = new Set<string>();
  readonly opaque = new Set<string>();
  private readonly dirs = new Set<string>();
  private readonly dirMeta = new Map<string, EntryMeta>();
  private readonly preserve: boolean;
  private readonly host: Host;
  private readonly log: Logger | undefined;
  private readonly ownUid: number;
  private readonly ownGid: number;

  constructor(opts: TreeWriterOptions) {
    this.root = path.resolve(opts.root);
    if (!fs.lstatSync(this.root).isDirectory()) {
      throw new SkiffError('INTERNAL', `extraction target ${this.root} is not a directory`);
    }
    this.preserve = opts.preserveOwnership;
    this.host = opts.host;
    this.log = opts.log;
    this.ownUid = process.geteuid?.() ?? 0;
    this.ownGid = process.getegid?.() ?? 0;
    for (const e of opts.lower ?? []) {
      if (e.kind === 'opaque') continue;
      this.entries.set(e.path, e);
    }
    this.dirs.add(ROOT_PATH);
    if (!this.entries.has(ROOT_PATH)) this.dir(ROOT_PATH, { mode: 0o755, uid: 0, gid: 0, mtime: null });
  }

  abs(rel: string): string {
    return rel === ROOT_PATH ? this.root : `${this.root}/${rel}`;
  }

  isDir(rel: string): boolean {
    return this.dirs.has(rel);
  }

  /**
   * Makes sure `rel` is a real directory (creating missing ones as tar does), never a symlink
   * to one. `entry` is the path being placed, for the error message.
   */
  ensureDir(rel: string, entry: string = rel): void {
    if (this.dirs.has(rel)) return;
    this.ensureDir(parentOf(rel), entry);
    const abs = this.abs(rel);
    const st = fs.lstatSync(abs, { throwIfNoEntry: false });
    if (st === undefined) {
      fs.mkdirSync(abs, 0o755);
      this.record(rel, 'dir', { mode: 0o755, uid: 0, gid: 0, mtime: null });
      this.dirMeta.set(rel, { mode: 0o755, uid: 0, gid: 0, mtime: null });
    } else if (!st.isDirectory()) {
      const what = st.isSymbolicLink() ? 'a symlink' : 'not a directory';
      throw unsafeEntry(entry, `its parent ${JSON.stringify(rel)} is ${what}; nothing is written through it`);
    }
    this.dirs.add(rel);
  }

  dir(rel: string, meta: EntryMeta): void {
    if (!this.dirs.has(rel)) {
      this.ensureDir(parentOf(rel), rel);
      try {
        fs.mkdirSync(this.abs(rel), 0o755);
      } catch (err) {
        if (!isErrno(err, 'EEXIST')) throw err;
        // A directory merges with an existing one (tar semantics); anything else is replaced.
        if (!fs.lstatSync(this.abs(rel)).isDirectory()) {
          this.removeTree(rel);
          fs.mkdirSync(this.abs(rel), 0o755);
        }
      }
      this.dirs.add(rel);
    }
    this.dirMeta.set(rel, meta);
    this.record(rel, 'dir', meta);
  }

  /**
   * Creates `rel` for writing, replacing whatever was there, and lists it at its declared
   * size (its body may still be in flight when a later hard link names it). Returns the fd.
   */
  openFile(rel: string, meta: EntryMeta, size: number): number {
    this.ensureDir(parentOf(rel), rel);
    const abs = this.abs(rel);
    let fd: number;
    try {
      fd = fs.openSync(abs, CREATE_FLAGS, 0o600);
    } catch (err) {
      if (!isErrno(err, 'EEXIST')) throw err;
      this.removeTree(rel);
      fd = fs.openSync(abs, CREATE_FLAGS, 0o600);
    }
    this.record(rel, 'file', meta, { size });
    return fd;
  }

  /** Sets owner, mode and time through the fd (no path lookup), after the last write, and closes it. */
  closeFile(fd: number, meta: EntryMeta): void {
    try {
      // chown first: it clears setuid/setgid, which chmod then puts back.
      if (this.preserve) fs.fchownSync(fd, meta.uid, meta.gid);
      fs.fchmodSync(fd, this.permOf(meta.mode));
      if (meta.mtime !== null) fs.futimesSync(fd, meta.mtime, meta.mtime);
    } finally {
      fs.closeSync(fd);
    }
  }

  symlink(rel: string, target: string, meta: EntryMeta): void {
    this.ensureDir(parentOf(rel), rel);
    const abs = this.abs(rel);
    try {
      fs.symlinkSync(target, abs);
    } catch (err) {
      if (!isErrno(err, 'EEXIST')) throw err;
      this.removeTree(rel);
      fs.symlinkSync(target, abs);
    }
    if (this.preserve) fs.lchownSync(abs, meta.uid, meta.gid);
    if (meta.mtime !== null) fs.lutimesSync(abs, meta.mtime, meta.mtime);
    this.record(rel, 'symlink', { ...meta, mode: 0o777 }, { linkname: target });
  }

  /** A hard link may only join a regular file already placed in this tree. */
  hardlink(rel: string, targetRel: string): void {
    this.ensureDir(parentOf(rel), rel);
    const check = (): TreeEntry => {
      const target = this.entries.get(targetRel);
      const ok =
        target !== undefined &&
        (target.kind === 'file' || target.kind === 'hardlink') &&
        fs.lstatSync(this.abs(targetRel), { throwIfNoEntry: false })?.isFile() === true;
      if (!ok || targetRel === rel) {
        throw unsafeEntry(rel, `its hard link target ${JSON.stringify(targetRel)} is not a regular file extracted before it`);
      }
      return target;
    };
    const target = check();
    try {
      fs.linkSync(this.abs(targetRel), this.abs(rel));
    } catch (err) {
      if (!isErrno(err, 'EEXIST')) throw err;
      this.removeTree(rel);
      check();
      fs.linkSync(this.abs(targetRel), this.abs(rel));
    }
    this.entries.set(rel, { path: rel, kind: 'hardlink', mode: target.mode, uid: target.uid, gid: target.gid, size: 0, linkname: targetRel });
    this.written.add(rel);
  }

  /** Device nodes and fifos, through mknod(1) since Node has no mknod. Returns false when skipped. */
  special(rel: string, kind: SpecialKind, meta: EntryMeta, major: number, minor: number): boolean {
    if (!this.preserve) {
      this.log?.debug({ path: rel, kind }, 'skipping device node: not extracting as root');
      return false;
    }
    this.ensureDir(parentOf(rel), rel);
    const abs = this.abs(rel);
    if (fs.lstatSync(abs, { throwIfNoEntry: false }) !== undefined) this.removeTree(rel);
    const args = ['-m', this.permOf(meta.mode).toString(8), abs, kind === 'char' ? 'c' : kind === 'block' ? 'b' : 'p'];
    if (kind !== 'fifo') args.push(String(major), String(minor));
    this.host.run('mknod', args);
    fs.lchownSync(abs, meta.uid, meta.gid);
    if (meta.mtime !== null) fs.lutimesSync(abs, meta.mtime, meta.mtime);
    this.record(rel, kind, meta, kind === 'fifo' ? {} : { devmajor: major, devminor: minor });
    return true;
  }

  /** An overlayfs whiteout: a 0:0 character device (unprivileged since Linux 5.8). */
  overlayWhiteout(rel: string): void {
    const abs = this.abs(rel);
    if (fs.lstatSync(abs, { throwIfNoEntry: false }) !== undefined) this.removeTree(rel);
    this.host.run('mknod', ['-m', '000', abs, 'c', '0', '0']);
    const st = fs.lstatSync(abs);
    this.entries.set(rel, { path: rel, kind: 'whiteout', mode: 0, uid: st.uid, gid: st.gid, size: 0 });
    this.written.add(rel);
  }

  /** Marks a directory opaque for overlayfs; -h so a symlink is never followed. */
  overlayOpaque(rel: string): void {
    this.host.run('setfattr', ['-h', '-n', 'trusted.overlay.opaque', '-v', 'y', this.abs(rel)]);
    this.opaque.add(rel);
  }

  /** Removes `rel` and everything below it, on disk and from the listing. */
  removeTree(rel: string): void {
    if (rel === ROOT_PATH) throw unsafeEntry(rel, 'it would replace the image root');
    const abs = this.abs(rel);
    const st = fs.lstatSync(abs, { throwIfNoEntry: false });
    if (st?.isDirectory()) {
      for (const name of fs.readdirSync(abs)) this.removeTree(joinRel(rel, name));
      fs.rmdirSync(abs);
    } else if (st !== undefined) {
      fs.unlinkSync(abs);
    }
    this.entries.delete(rel);
    this.written.delete(rel);
    this.dirs.delete(rel);
    this.dirMeta.delete(rel);
    this.opaque.delete(rel);
  }

  /** Removes what lower layers left below `dir`, keeping this archive's own entries. */
  removeLower(dir: string): void {
    for (const name of fs.readdirSync(this.abs(dir))) {
      const child = joinRel(dir, name);
      if (!this.written.has(child)) this.removeTree(child);
      else if (this.dirs.has(child)) this.removeLower(child);
    }
  }

  /**
   * Applies directory modes, owners and times last and deepest first: a read-only directory
   * must not stop its children being created, and creating a child would reset its mtime.
   */
  finishDirs(): void {
    const rels = [...this.dirMeta.keys()].sort().reverse();
    for (const rel of rels) {
      const meta = this.dirMeta.get(rel) as EntryMeta;
      const abs = this.abs(rel);
      if (this.preserve) fs.lchownSync(abs, meta.uid, meta.gid);
      fs.chmodSync(abs, this.permOf(meta.mode));
      if (meta.mtime !== null) fs.utimesSync(abs, meta.mtime, meta.mtime);
    }
    this.dirMeta.clear();
  }

  /** The listing, in canonical order, with opaque markers beside their directories. */
  listing(): TreeEntry[] {
    const out = [...this.entries.values()];
    for (const rel of this.opaque) out.push({ path: rel, kind: 'opaque', mode: 0, uid: 0, gid: 0, size: 0 });
    return out.sort(compareEntries);
  }

  private permOf(mode: number): number {
    // setuid/setgid/sticky only where ownership is real; otherwise a user could mint setuid files.
    return mode & (this.preserve ? 0o7777 : 0o777);
  }

  private record(rel: string, kind: TreeKind, meta: EntryMeta, extra: Partial<TreeEntry> = {}): void {
    this.entries.set(rel, {
      path: rel,
      kind,
      mode: kind === 'symlink' ? 0o777 : this.permOf(meta.mode),
      uid: this.preserve ? meta.uid : this.ownUid,
      gid: this.preserve ? meta.gid : this.ownGid,
      size: 0,
      ...extra,
    });
    this.written.add(rel);
  }
}
