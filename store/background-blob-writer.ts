// A BlobWriter whose hashing, writing and fsync run on a worker thread. For the large blobs of
// an import (a whole ACI), those are most of what the main thread would otherwise do besides
// extracting (docs/benchmarks.md): off it, the two run side by side on two cores.
import fs from 'node:fs';
import path from 'node:path';
import { randomHex } from '../common/random.ts';
import { Worker } from 'node:worker_threads';
import { SkiffError } from '../common/errors.ts';
import { digestOf, type Digest } from '../common/ids.ts';
import * as layout from '../common/layout.ts';
import type { BlobWriter, HashAlgo } from './cas.ts';
import { linkBlobInPlace } from './cas.ts';

/** Bytes handed to the worker and not yet written: past this, write() waits. */
const MAX_IN_FLIGHT = 64 * 1024 * 1024;

export interface BackgroundBlobWriter extends AsyncDisposable {
  readonly size: number;
  /** Queues a chunk; resolves at once unless too much is still in flight. */
  write(chunk: Uint8Array): Promise<void> | undefined;
  commit(expected?: Digest): Promise<Digest>;
  abort(): Promise<void>;
}

function workerUrl(): URL {
  // Run from source the worker is a .ts file beside this one; bundled, a .mjs beside the chunk.
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.mjs';
  return new URL(`./blob-worker${ext}`, import.meta.url);
}

/** Blobs smaller than this are written on the main thread: a worker costs ~20 ms to start. */
export const BACKGROUND_MIN_BYTES = 32 * 1024 * 1024;

/** The synchronous writer behind the same interface, for small blobs. */
export function wrapBlobWriter(w: BlobWriter): BackgroundBlobWriter {
  return {
    get size() {
      return w.size;
    },
    write(chunk) {
      w.write(chunk);
      return undefined;
    },
    commit: async (expected) => w.commit(expected),
    abort: async () => w.abort(),
    [Symbol.asyncDispose]: async () => w.abort(),
  };
}

export function createBackgroundBlobWriter(dataDir: string, algo: HashAlgo): BackgroundBlobWriter {
  const tmp = path.join(layout.casTmpDir(dataDir), `blob-${process.pid}-${randomHex(6)}`);
  const worker = new Worker(workerUrl(), { workerData: { tmp, algo } });
  let size = 0;
  let inFlight = 0;
  let failure: Error | undefined;
  let waiter: (() => void) | undefined;
  let finished: ((hex: string) => void) | undefined;
  let finishFailed: ((err: Error) => void) | undefined;
  const fail = (err: Error): void => {
    failure ??= err;
    waiter?.();
    finishFailed?.(err);
  };
  worker.on('message', (msg: { kind: string; bytes?: number; hex?: string; message?: string }) => {
    if (msg.kind === 'written') {
      inFlight -= msg.bytes ?? 0;
      if (inFlight < MAX_IN_FLIGHT / 2 && waiter) {
        const w = waiter;
        waiter = undefined;
        w();
      }
    } else if (msg.kind === 'committed') finished?.(msg.hex!);
    else if (msg.kind === 'failed') fail(new SkiffError('IO', `writing blob ${tmp}: ${msg.message}`));
  });
  worker.on('error', (err) => fail(err));
  let open = true;
  const abort = async (): Promise<void> => {
    if (!open) return;
    open = false;
    worker.postMessage({ kind: 'abort' });
    await worker.terminate();
    fs.rmSync(tmp, { force: true });
  };
  return {
    get size() {
      return size;
    },
    write(chunk) {
      if (failure) throw failure;
      // A copy the worker owns: the chunk's own memory may belong to a pool the stream reuses.
      const copy = new Uint8Array(chunk);
      size += copy.length;
      inFlight += copy.length;
      worker.postMessage({ kind: 'chunk', data: copy.buffer }, [copy.buffer]);
      if (inFlight < MAX_IN_FLIGHT) return undefined;
      return new Promise<void>((resolve) => {
        waiter = resolve;
      }).then(() => {
        if (failure) throw failure;
      });
    },
    async commit(expected) {
      if (failure) throw failure;
      const hex = await new Promise<string>((resolve, reject) => {
        finished = resolve;
        finishFailed = reject;
        worker.postMessage({ kind: 'commit' });
      });
      open = false;
      await worker.terminate();
      const digest = digestOf(algo, hex);
      if (expected !== undefined && expected !== digest) {
        fs.rmSync(tmp, { force: true });
        throw new SkiffError('DIGEST_MISMATCH', `content has digest ${digest}, expected ${expected}`, {
          hint: 'the source is corrupt or was tampered with; nothing was stored',
        });
      }
      linkBlobInPlace(dataDir, tmp, digest);
      return digest;
    },
    abort,
    [Symbol.asyncDispose]: abort,
  };
}
