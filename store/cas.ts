// The content-addressed blob store. A blob is written to a temp file, hashed as it is written,
// fsynced, compared with the digest it must have, and only then renamed under its final name:
// a crash or a lying source never leaves bytes under a digest they do not have.
import fs from 'node:fs';
import path from 'node:path';
import { createHash, type Hash } from '../common/node-crypto.ts';
import { randomHex } from '../common/random.ts';
import { SkiffError } from '../common/errors.ts';
import { digestOf, type Digest } from '../common/ids.ts';
import * as layout from '../common/layout.ts';
import { fsyncDir } from '../common/write-atomic.ts';

export type HashAlgo = 'sha256' | 'sha512';

export interface BlobWriter extends Disposable {
  readonly algo: HashAlgo;
  readonly size: number;
  write(chunk: Uint8Array): void;
  /** The digest of what was written so far (only once, at commit). */
  commit(expected?: Digest): Digest;
  abort(): void;
}

export function createBlobWriter(dataDir: string, algo: HashAlgo): BlobWriter {
  const tmp = path.join(layout.casTmpDir(dataDir), `blob-${process.pid}-${randomHex(6)}`);
  const fd = fs.openSync(tmp, 'wx', 0o644);
  const hash: Hash = createHash(algo);
  let size = 0;
  let open = true;
  const abort = (): void => {
    if (!open) return;
    open = false;
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
  };
  return {
    algo,
    get size() {
      return size;
    },
    write(chunk) {
      hash.update(chunk);
      let off = 0;
      while (off < chunk.length) off += fs.writeSync(fd, chunk, off);
      size += chunk.length;
    },
    commit(expected) {
      const digest = digestOf(algo, hash.digest('hex'));
      if (expected !== undefined && expected !== digest) {
        abort();
        throw new SkiffError('DIGEST_MISMATCH', `content has digest ${digest}, expected ${expected}`, {
          hint: 'the source is corrupt or was tampered with; nothing was stored',
        });
      }
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      open = false;
      linkBlobInPlace(dataDir, tmp, digest);
      return digest;
    },
    abort,
    [Symbol.dispose]: abort,
  };
}

/** Gives a written, fsynced and verified temp file its final name, and removes the temp name. */
export function linkBlobInPlace(dataDir: string, tmp: string, digest: Digest): void {
  const final = layout.casBlobPath(dataDir, digest);
  try {
    // link() fails with EEXIST instead of replacing: the blob already there was verified when
    // it was written, so keeping it is as good and leaves readers undisturbed.
    fs.linkSync(tmp, final);
    fsyncDir(path.dirname(final));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/**
 * linkBlobInPlace off the main thread: the directory's fsync can wait for a journal commit
 * that writes out every other file in flight (ext4's ordered mode), which would stall the
 * downloads still running beside it.
 */
export async function linkBlobInPlaceAsync(dataDir: string, tmp: string, digest: Digest): Promise<void> {
  const final = layout.casBlobPath(dataDir, digest);
  try {
    await fs.promises.link(tmp, final);
    const dir = await fs.promises.open(path.dirname(final), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    await fs.promises.rm(tmp, { force: true });
  }
}

export function hasBlob(dataDir: string, digest: Digest): boolean {
  return fs.existsSync(layout.casBlobPath(dataDir, digest));
}

export function blobPath(dataDir: string, digest: Digest): string {
  return layout.casBlobPath(dataDir, digest);
}

export function readBlob(dataDir: string, digest: Digest, maxBytes: number): Buffer {
  const p = layout.casBlobPath(dataDir, digest);
  const st = fs.statSync(p);
  if (st.size > maxBytes) throw new SkiffError('ARCHIVE_TOO_LARGE', `blob ${digest} is ${st.size} bytes, more than ${maxBytes}`);
  return fs.readFileSync(p);
}

/** Stores a small in-memory blob (manifests, configs), verifying it against `expected`. */
export function putBlob(dataDir: string, algo: HashAlgo, data: Uint8Array, expected?: Digest): Digest {
  using w = createBlobWriter(dataDir, algo);
  w.write(data);
  return w.commit(expected);
}

export function listBlobs(dataDir: string): Digest[] {
  const out: Digest[] = [];
  for (const algo of ['sha256', 'sha512'] as const) {
    let names: string[] = [];
    try {
      names = fs.readdirSync(layout.casAlgoDir(dataDir, algo));
    } catch {
      continue;
    }
    for (const n of names) if (/^[0-9a-f]+$/.test(n)) out.push(digestOf(algo, n));
  }
  return out;
}

export function removeBlob(dataDir: string, digest: Digest): void {
  fs.rmSync(layout.casBlobPath(dataDir, digest), { force: true });
}
