// The one non-cryptographic hash skiff names cache files with (the seccomp filter cache, the
// code cache): a file name, not a proof; each cache keeps the full key in the file and compares it.

/**
 * Two 32-bit FNV-1a hashes (different offset bases) of a string's UTF-8 bytes taken four at a
 * time, as 16 hex digits. 32-bit words: a byte at a time in the interpreter cost ~1 ms per
 * 6 kB key, BigInt FNV-64 ~2 ms.
 */
export function nameHash(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  const padded = Buffer.alloc(Math.ceil(bytes.length / 4) * 4);
  bytes.copy(padded);
  const words = new Int32Array(padded.buffer, padded.byteOffset, padded.length / 4);
  let a = 0x811c9dc5 ^ bytes.length;
  let b = 0x050c5d1f;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    a = Math.imul(a ^ w, 0x01000193);
    b = Math.imul(b ^ w, 0x01000193);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}
