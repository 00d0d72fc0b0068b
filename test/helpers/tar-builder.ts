// Builds tar archives in memory for tests, including hostile ones: tar-stream's pack writes
// names and link targets verbatim, and rawHeader() forges headers pack would never produce
// (a size no body backs, an unknown type flag).
import { Readable } from 'node:stream';
import { pack } from 'tar-stream';
import type { Header } from 'tar-stream';

interface Common {
  name: string;
  mode?: number;
  uid?: number;
  gid?: number;
  /** Seconds since the epoch. */
  mtime?: number;
}

export type TarSpec =
  | (Common & { type: 'file'; body?: string | Buffer })
  | (Common & { type: 'dir' })
  | (Common & { type: 'symlink'; target: string })
  | (Common & { type: 'link'; target: string })
  | (Common & { type: 'char' | 'block'; major: number; minor: number })
  | (Common & { type: 'fifo' });

const TYPES = {
  file: 'file',
  dir: 'directory',
  symlink: 'symlink',
  link: 'link',
  char: 'character-device',
  block: 'block-device',
  fifo: 'fifo',
} as const;

function headerOf(spec: TarSpec): Header {
  const isDir = spec.type === 'dir';
  return {
    name: spec.name,
    type: TYPES[spec.type],
    mode: spec.mode ?? (isDir ? 0o755 : spec.type === 'symlink' ? 0o777 : 0o644),
    uid: spec.uid ?? 0,
    gid: spec.gid ?? 0,
    mtime: new Date((spec.mtime ?? 1_700_000_000) * 1000),
    size: 0,
    linkname: spec.type === 'symlink' || spec.type === 'link' ? spec.target : '',
    uname: '',
    gname: '',
    devmajor: spec.type === 'char' || spec.type === 'block' ? spec.major : 0,
    devminor: spec.type === 'char' || spec.type === 'block' ? spec.minor : 0,
  };
}

export async function buildTar(specs: readonly TarSpec[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => {
    chunks.push(c as Buffer);
  });
  const ended = new Promise<void>((resolve, reject) => {
    p.on('end', resolve);
    p.on('error', reject);
  });
  for (const spec of specs) {
    const body = spec.type === 'file' ? Buffer.from(spec.body ?? '') : Buffer.alloc(0);
    await new Promise<void>((resolve, reject) => {
      p.entry({ ...headerOf(spec), size: body.length }, body, (err) => (err ? reject(err) : resolve()));
    });
  }
  p.finalize();
  await ended;
  return Buffer.concat(chunks);
}

export interface RawHeader {
  name: string;
  /** The one-byte type flag: '0' file, '5' directory, 'S' GNU sparse… */
  typeflag?: string;
  size?: number;
  mode?: number;
  linkname?: string;
}

/** One ustar header block with a valid checksum and whatever fields the test wants. */
export function rawHeader(h: RawHeader): Buffer {
  const buf = Buffer.alloc(512);
  const octal = (value: number, offset: number, length: number): void => {
    buf.write(`${value.toString(8).padStart(length - 1, '0')}\0`, offset, length, 'ascii');
  };
  buf.write(h.name, 0, 100, 'utf8');
  octal(h.mode ?? 0o644, 100, 8);
  octal(0, 108, 8);
  octal(0, 116, 8);
  octal(h.size ?? 0, 124, 12);
  octal(1_700_000_000, 136, 12);
  buf.write(h.typeflag ?? '0', 156, 1, 'ascii');
  buf.write(h.linkname ?? '', 157, 100, 'utf8');
  buf.write('ustar\x0000', 257, 8, 'ascii');
  buf.fill(' ', 148, 156);
  let sum = 0;
  for (const byte of buf) sum += byte;
  buf.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return buf;
}

/** The two zero blocks that end an archive. */
export function endOfArchive(): Buffer {
  return Buffer.alloc(1024);
}

/** A stream of `buf` in chunks of `chunkSize`, so parsing crosses chunk boundaries as in real reads. */
export function streamOf(buf: Buffer, chunkSize = 4096): Readable {
  const chunks: Buffer[] = [];
  for (let off = 0; off < buf.length; off += chunkSize) chunks.push(buf.subarray(off, off + chunkSize));
  return Readable.from(chunks, { objectMode: false });
}
