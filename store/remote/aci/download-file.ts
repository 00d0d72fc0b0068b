// Downloads into a private temp dir on the store's filesystem: a remote ACI is checked
// (manifest, signature) before it is imported, so it must sit somewhere first, and never
// anywhere another user could swap it.
import fs from 'node:fs';
import path from 'node:path';
import { randomHex } from '../../../common/random.ts';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Ctx } from '../../../common/context.ts';
import { SkiffError } from '../../../common/errors.ts';
import * as layout from '../../../common/layout.ts';
import type { HttpClient, HttpRequest, HttpResponse } from '../http/client.ts';
import { createResumableBody } from '../http/resumable-body.ts';

export interface DownloadDir extends Disposable {
  readonly path: string;
}

export function createDownloadDir(dataDir: string): DownloadDir {
  const dir = path.join(layout.casTmpDir(dataDir), `download-${process.pid}-${randomHex(6)}`);
  fs.mkdirSync(dir, { mode: 0o700 });
  return { path: dir, [Symbol.dispose]: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Streams `first`'s body (resuming a dropped connection) into `file`, with progress and a size cap. */
export async function downloadBody(ctx: Ctx, client: HttpClient, request: HttpRequest, first: HttpResponse, file: string): Promise<number> {
  const declared = Number(first.headers['content-length'] ?? NaN);
  const max = ctx.limits.maxImageBytes;
  const tooLarge = (): SkiffError => new SkiffError('ARCHIVE_TOO_LARGE', `${request.what} is larger than ${max} bytes`, {
    hint: 'raise the limit with --max-image-size if the image is genuine',
  });
  if (declared > max) {
    first.discard();
    throw tooLarge();
  }
  let size = 0;
  const count = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size > max) {
        done(tooLarge());
        return;
      }
      ctx.progress?.advance(chunk.length);
      done(null, chunk);
    },
  });
  ctx.progress?.start(`downloading ${request.url}`, Number.isFinite(declared) ? declared : undefined);
  try {
    await pipeline(
      createResumableBody({
        client,
        request,
        first,
        onResume: (offset, reason) => ctx.log.child({ mod: 'store', op: 'download' }).debug({ url: request.url, offset, reason }, 'resuming download'),
      }),
      count,
      fs.createWriteStream(file, { flags: 'wx', mode: 0o600 }),
    );
  } finally {
    ctx.progress?.done();
  }
  return size;
}
