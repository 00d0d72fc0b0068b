// Opening a (possibly compressed) archive as a stream of plain tar bytes. Compressed input goes
// through the system's decompressors: they run on the other core, in parallel with our parsing,
// and `gzip -dc` is faster than Node's zlib here (HOST-NOTES).
import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { SkiffError } from '../../common/errors.ts';
import type { Compression } from '../formats/image-ref.ts';

const DECOMPRESSORS: Record<Exclude<Compression, 'none' | 'unknown'>, { tool: string; args: string[]; pkg: string }> = {
  gzip: { tool: 'gzip', args: ['-dc'], pkg: 'gzip' },
  bzip2: { tool: 'bzip2', args: ['-dc'], pkg: 'bzip2' },
  xz: { tool: 'xz', args: ['-dc'], pkg: 'xz-utils' },
  zstd: { tool: 'zstd', args: ['-dcq'], pkg: 'zstd' },
};

export const READ_CHUNK = 1024 * 1024;

export interface DecompressedStream {
  stream: Readable;
  /** Settles when the decompressor has exited; rejects (ARCHIVE_CORRUPT) if it failed. */
  done: Promise<void>;
  kill(): void;
}

export function readMagic(file: string, bytes = 512): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const n = fs.readSync(fd, buf, 0, bytes, 0);
    return buf.subarray(0, n);
  } finally {
    fs.closeSync(fd);
  }
}

export async function openDecompressed(file: string, compression: Compression, what: string): Promise<DecompressedStream> {
  if (compression === 'none') {
    const stream = fs.createReadStream(file, { highWaterMark: READ_CHUNK });
    return { stream, done: Promise.resolve(), kill: () => stream.destroy() };
  }
  if (compression === 'unknown') {
    throw new SkiffError('IMAGE_FORMAT', `${what} is neither a tar nor a gzip, bzip2, xz or zstd compressed tar`);
  }
  const d = DECOMPRESSORS[compression];
  const { execa } = await import('execa');
  const child = execa(d.tool, d.args, { inputFile: file, buffer: { stdout: false, stderr: true }, stripFinalNewline: true, reject: false });
  const done = child.then((res) => {
    if (res.failed) {
      if ((res as { code?: string }).code === 'ENOENT') {
        throw new SkiffError('TOOL_MISSING', `${d.tool} not found`, { hint: `install the Debian package ${d.pkg}` });
      }
      if (res.isTerminated) return; // we killed it after a failure elsewhere
      throw new SkiffError('ARCHIVE_CORRUPT', `${what} is not valid ${compression} data: ${String(res.stderr).split('\n').slice(-2).join(' ')}`);
    }
  });
  return { stream: child.stdout, done, kill: () => void child.kill() };
}

export interface DecompressPipe {
  stdin: NodeJS.WritableStream;
  stdout: Readable;
  done: Promise<void>;
  kill(): void;
}

/** A decompressor fed from a stream we write (OCI layers, hashed before and after it). */
export async function spawnDecompressor(compression: Exclude<Compression, 'none' | 'unknown'>, what: string): Promise<DecompressPipe> {
  const d = DECOMPRESSORS[compression];
  const { execa } = await import('execa');
  const child = execa(d.tool, d.args, { buffer: { stdout: false, stderr: true }, reject: false });
  const done = child.then((res) => {
    if (res.failed) {
      if ((res as { code?: string }).code === 'ENOENT') {
        throw new SkiffError('TOOL_MISSING', `${d.tool} not found`, { hint: `install the Debian package ${d.pkg}` });
      }
      if (res.isTerminated) return;
      throw new SkiffError('ARCHIVE_CORRUPT', `${what} is not valid ${compression} data: ${String(res.stderr).split('\n').slice(-2).join(' ')}`);
    }
  });
  return { stdin: child.stdin, stdout: child.stdout, done, kill: () => void child.kill() };
}
