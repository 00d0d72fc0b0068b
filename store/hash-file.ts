import fs from 'node:fs';
import { createHash } from 'node:crypto';
import { digestOf, type Digest } from '../common/ids.ts';

/** The digest of a whole file, read in 1 MiB blocks (Node hashes twice as fast as with 64 KiB). */
export function hashFile(file: string, algo: 'sha256' | 'sha512'): Digest {
  const hash = createHash(algo);
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(1024 * 1024);
  try {
    for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0; ) hash.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return digestOf(algo, hash.digest('hex'));
}
