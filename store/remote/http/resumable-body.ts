// A response body that survives a dropped connection: when the stream breaks (or ends short of
// the size promised), it asks again with `Range: bytes=N-` (and If-Range on a strong ETag, so a
// changed resource is not spliced onto the old one) and carries on from byte N, a few times at
// most. It also holds the body to its promised size: a longer body is an error at once.
import { Readable } from 'node:stream';
import { SkiffError } from '../../../common/errors.ts';
import type { HttpClient, HttpRequest, HttpResponse } from './client.ts';

export interface ResumableBodyOptions {
  client: HttpClient;
  /** The request that gave `first`; resumes repeat it with a Range header. */
  request: HttpRequest;
  first: HttpResponse;
  /** Exact size the body must have (a descriptor's `size`); else Content-Length, if any. */
  expectedSize?: number;
  /** How many times to re-request after a drop (default 3). */
  maxResumes?: number;
  /** Told of each resume, for the debug log. */
  onResume?: (offset: number, reason: string) => void;
  /** Stops the transfer at once (another layer failed): the body then fails with an abort error. */
  signal?: AbortSignal;
}

/** `Content-Range: bytes START-END/TOTAL` → START, or undefined when absent or malformed. */
export function contentRangeStart(header: string | undefined): number | undefined {
  const m = header === undefined ? null : /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(header.trim());
  return m ? Number(m[1]) : undefined;
}

function strongEtag(res: HttpResponse): string | undefined {
  const etag = res.headers.etag;
  return etag !== undefined && !etag.startsWith('W/') ? etag : undefined;
}

export function createResumableBody(opts: ResumableBodyOptions): Readable {
  return Readable.from(resumableChunks(opts), { objectMode: false, highWaterMark: 1024 * 1024 });
}

async function* resumableChunks(opts: ResumableBodyOptions): AsyncGenerator<Buffer> {
  const { client, request, what } = { ...opts, what: opts.request.what };
  const declared = opts.first.headers['content-length'];
  const expected = opts.expectedSize ?? (declared !== undefined && /^\d+$/.test(declared) ? Number(declared) : undefined);
  const maxResumes = opts.maxResumes ?? 3;
  const etag = strongEtag(opts.first);
  let res = opts.first;
  let received = 0;
  // A server that ignores Range answers 200 with the whole body: skip what we already have.
  let skip = 0;
  // Destroying the socket is what stops a stalled read: the generator may be waiting on it.
  const onAbort = (): void => void res.body.destroy(new SkiffError('NETWORK', `${what}: transfer stopped`));
  opts.signal?.addEventListener('abort', onAbort);
  try {
    for (let resumes = 0; ; resumes++) {
      let reason: string;
      try {
        for await (const raw of res.body as AsyncIterable<Buffer>) {
          let chunk = raw;
          if (skip > 0) {
            const n = Math.min(skip, chunk.length);
            skip -= n;
            chunk = chunk.subarray(n);
            if (chunk.length === 0) continue;
          }
          received += chunk.length;
          if (expected !== undefined && received > expected) {
            throw new SkiffError('DIGEST_MISMATCH', `${what} is longer than the ${expected} bytes promised`, {
              hint: 'the registry or server is broken or hostile; nothing was stored',
            });
          }
          // Every chunk is memory of its own, which the blob store writes later without a copy
          // (async-blob-writer.ts): Node's HTTP parser hands each piece of a body over as a new
          // Buffer (Buffer::Copy in on_body, node_http_parser.cc; the socket's read buffer is
          // never lent out), the stream's async iterator at most concatenates several into a new
          // one, and subarray() only narrows a view. resumable-body.test.ts checks this.
          yield chunk;
        }
        if (expected === undefined || received === expected) return;
        reason = `ended after ${received} of ${expected} bytes`;
      } catch (err) {
        if (err instanceof SkiffError) throw err;
        opts.signal?.throwIfAborted();
        reason = err instanceof Error ? err.message : String(err);
      }
      if (resumes >= maxResumes) {
        const why = reason.startsWith('ended after') ? '' : `${reason}; `;
        throw new SkiffError('NETWORK', `${what} was cut short after ${received}${expected === undefined ? '' : ` of ${expected}`} bytes (${why}resumed ${resumes} times)`, {
          hint: 'try again; nothing was stored',
        });
      }
      opts.onResume?.(received, reason);
      res.body.destroy();
      res = await client.request({
        ...request,
        headers: { ...request.headers, range: `bytes=${received}-`, ...(etag ? { 'if-range': etag } : {}) },
      });
      if (res.status === 206) {
        const start = contentRangeStart(res.headers['content-range']);
        if (start !== received) {
          res.discard();
          throw new SkiffError('NETWORK', `${what}: asked to resume at byte ${received}, the server answered from ${start ?? 'an unknown offset'}`);
        }
      } else if (res.status === 200) {
        skip = received;
      } else {
        res.discard();
        throw new SkiffError('HTTP_STATUS', `${what}: resuming at byte ${received} failed: HTTP ${res.status}`);
      }
    }
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    res.body.destroy();
  }
}
