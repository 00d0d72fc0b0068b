// Files skiff trusts only when they are its own: caches whose contents decide what runs (the
// stamp cache names the stage1 image, the seccomp cache holds filters). Such a file is used
// only if this user owns it and the mode bits in `closedTo` are clear; a symlink is not
// followed. Also the one stat-stamp format those caches compare.
import fs from 'node:fs';

/** A file's identity and last change: device, inode, size, mtime and ctime (ns). */
export function fileStamp(st: fs.BigIntStats): string {
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
}

/**
 * The file's bytes (at most `limit` of them, from the start) if it is a regular file of this
 * user's with `closedTo` mode bits clear; else undefined.
 */
export function readOwnedFile(file: string, closedTo: number, limit?: number): Buffer | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch {
    return undefined;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile() || st.uid !== process.geteuid?.() || (st.mode & closedTo) !== 0) return undefined;
    if (limit === undefined) return fs.readFileSync(fd);
    const buf = Buffer.alloc(Math.min(limit, st.size));
    return buf.subarray(0, fs.readSync(fd, buf, 0, buf.length, 0));
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}
