// Pumps one stream of archive bytes through synchronous consumers (hashers, the blob writer)
// into an async parser, so one read of the input does all of them. The parser may stop early
// (a hostile entry) or finish before the input ends (the tar trailer): in both cases the rest
// still has to be read, hashed and stored, or rejected.
import { PassThrough, type Readable } from 'node:stream';
import { once } from 'node:events';

export interface FeedOptions {
  /** May return a promise to slow the reading down (a consumer with its own backlog). */
  onChunk: (chunk: Buffer) => void | Promise<void>;
}

/**
 * Reads `source` to its end, calling onChunk for every byte and feeding the parser's input.
 * Resolves with the parser's result; rejects with the first failure of either side.
 */
export async function feedParser<T>(
  source: Readable | AsyncIterable<Buffer>,
  opts: FeedOptions,
  parse: (input: Readable) => Promise<T>,
): Promise<T> {
  const input = new PassThrough({ highWaterMark: 4 * 1024 * 1024 });
  // The parser may have settled and dropped its listeners before we destroy input with an error.
  input.on('error', () => undefined);
  let settled = false;
  let failure: unknown;
  const parsing = parse(input).then(
    (v) => {
      settled = true;
      return v;
    },
    (err: unknown) => {
      settled = true;
      failure = err;
      throw err;
    },
  );
  // Keep an early rejection from being reported as unhandled while we are still reading.
  parsing.catch(() => undefined);
  const parserDone = parsing.then(
    () => undefined,
    () => undefined,
  );
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      if (failure !== undefined) break;
      const pending = opts.onChunk(chunk);
      if (pending) await pending;
      if (!settled && !input.write(chunk)) {
        await Promise.race([once(input, 'drain'), parserDone]);
      }
    }
  } catch (err) {
    // Destroy the parser's input *with* the error: a stream destroyed without one emits neither
    // 'end' nor 'error', so a parser waiting on it (extractTar) would never settle, and with
    // nothing left on the event loop the process would exit 0 in silence (a size limit hit by
    // onChunk on a plain tar did exactly that).
    input.destroy(err instanceof Error ? err : new Error(String(err)));
    stop(source);
    await parserDone;
    throw err;
  }
  if (failure !== undefined) {
    stop(source);
    throw failure;
  }
  input.end();
  return parsing;
}

/** Leaving a for-await early already closes an iterator; a Readable is destroyed to be sure. */
function stop(source: Readable | AsyncIterable<Buffer>): void {
  if ('destroy' in source && typeof source.destroy === 'function') source.destroy();
}
