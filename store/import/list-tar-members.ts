// The first member names of a (possibly compressed) tar: enough to tell an ACI from an OCI
// or docker archive without reading the whole file.
import type { Compression } from '../formats/image-ref.ts';
import { openDecompressed } from './decompress.ts';

export async function listTarMembers(file: string, compression: Compression, max: number): Promise<string[] | undefined> {
  if (compression === 'unknown') return undefined;
  // `default`: the bundle splits a dynamically imported CommonJS package into a chunk that only
  // has a default export (Node itself offers both forms).
  const { default: tarStream } = await import('tar-stream');
  const dec = await openDecompressed(file, compression, file);
  const extract = tarStream.extract();
  const names: string[] = [];
  try {
    await new Promise<void>((resolve) => {
      extract.on('entry', (header, body, next) => {
        names.push(header.name);
        // A truncated archive destroys the member being read with "Unexpected end of data";
        // without a listener that error would be thrown as an uncaught exception.
        body.on('error', () => undefined);
        body.resume();
        if (names.length >= max) {
          resolve();
          return;
        }
        next();
      });
      extract.on('finish', resolve);
      // A corrupt tar is reported by the import that follows, with the full context.
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
  return names;
}
