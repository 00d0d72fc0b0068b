// Random names and pod UUIDs from the kernel's pool, without node:crypto: loading that module
// costs ~11 ms (and an ES import of it ~5 ms more, for webcrypto) on every `skiff run`, whose
// only other use of it is hashing that a cache now skips.
import fs from 'node:fs';

/** n bytes from /dev/urandom (getrandom's pool; it does not block once the pool is seeded). */
export function randomBytesSync(n: number): Buffer {
  const buf = Buffer.allocUnsafe(n);
  const fd = fs.openSync('/dev/urandom', 'r');
  try {
    let got = 0;
    while (got < n) got += fs.readSync(fd, buf, got, n - got, null);
  } finally {
    fs.closeSync(fd);
  }
  return buf;
}

export function randomHex(bytes: number): string {
  return randomBytesSync(bytes).toString('hex');
}

/** An RFC 9562 version 4 UUID, as crypto.randomUUID makes it. */
export function randomUuid(): string {
  const b = randomBytesSync(16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
