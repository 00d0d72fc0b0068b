// Reading the first members of a (possibly compressed) tar without the whole file: enough to
// tell an ACI from an OCI or docker archive, or to read an ACI's manifest before importing it.
import type { Readable } from 'node:stream';
import type { Compression } from '../formats/image-ref.ts';
import { openDecompressed } from './decompress.ts';

/**
 * Calls `onEntry` for each member in order until it returns 'stop' or the tar ends. `onEntry`
 * must consume or resume the body. A corrupt tar just ends the walk: the import that follows
 * reports it with the full context.
 */
export async function walkTarMembers(
  file: string,
  compression: Exclude<Compression, 'unknown'>,
  onEntry: (name: string, body: Readable) => Promise<'next' | 'stop'>,
): Promise<void> {
  // `default`: the bundle splits a dynamically imported CommonJS package into a chunk that only
  // has a default export (Node itself offers both forms).
  const { default: tarStream } = await import('tar-stream');
  const dec = await openDecompressed(file, compression, file);
  const extract = tarStream.extract();
  try {
    await new Promise<void>((resolve, reject) => {
      extract.on('entry', (header, body, next) => {
        // A truncated archive destroys the member being read with "Unexpected end of data";
        // without a listener that error would be thrown as an uncaught exception.
        body.on('error', () => undefined);
        onEntry(header.name, body as unknown as Readable).then((what) => (what === 'stop' ? resolve() : next()), reject);
      });
      extract.on('finish', resolve);
      extract.on('error', () => resolve());
      dec.stream.on('error', () => resolve());
      dec.stream.pipe(extract);
    });
  } finally {
    dec.stream.unpipe(extract);
    extract.destroy();
    dec.kill();
    await dec.done.catch(() => undefined);
  }
}

export async function listTarMembers(file: string, compression: Compression, max: number): Promise<string[] | undefined> {
  if (compression === 'unknown') return undefined;
  const names: string[] = [];
  await walkTarMembers(file, compression, async (name, body) => {
    names.push(name);
    body.resume();
    return names.length >= max ? 'stop' : 'next';
  });
  return names;
}
