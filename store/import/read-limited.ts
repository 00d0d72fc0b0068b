import type { Readable } from 'node:stream';
import { SkiffError } from '../../common/errors.ts';

/** Reads a small document from a stream, refusing more than `max` bytes (no memory bombs). */
export async function readAllLimited(body: Readable, max: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) {
      body.destroy();
      throw new SkiffError('ARCHIVE_TOO_LARGE', `${what} is larger than ${max} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
