import fs from 'node:fs';
import { createHash } from '../common/node-crypto.ts';
import { digestOf, isDigest, parseDigest, type Digest } from '../common/ids.ts';
import { fileStamp } from '../common/owned-file.ts';
import { recall, remember } from './stamp-cache.ts';

function hashFd(fd: number, algo: 'sha256' | 'sha512'): Digest {
  const hash = createHash(algo);
  const buf = Buffer.allocUnsafe(1024 * 1024);
  for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0; ) hash.update(buf.subarray(0, n));
  return digestOf(algo, hash.digest('hex'));
}

/** The digest of a whole file, read in 1 MiB blocks (Node hashes twice as fast as with 64 KiB). */
export function hashFile(file: string, algo: 'sha256' | 'sha512'): Digest {
  const fd = fs.openSync(file, 'r');
  try {
    return hashFd(fd, algo);
  } finally {
    fs.closeSync(fd);
  }
}

/** hashFile for a file skiff reads on every run: remembered by its stamp (store/stamp-cache.ts). */
export function hashFileRemembered(dataDir: string, file: string, algo: 'sha256' | 'sha512', nowMs?: number): Digest {
  const fd = fs.openSync(file, 'r');
  try {
    const before = fs.fstatSync(fd, { bigint: true });
    const key = `${algo}:${file}`;
    const known = recall(dataDir, key, fileStamp(before));
    if (known !== undefined && known.startsWith(`${algo}:`) && isDigest(known)) return parseDigest(known);
    const digest = hashFd(fd, algo);
    const after = fs.fstatSync(fd, { bigint: true });
    if (fileStamp(after) === fileStamp(before)) remember(dataDir, key, after, digest, nowMs);
    return digest;
  } finally {
    fs.closeSync(fd);
  }
}
