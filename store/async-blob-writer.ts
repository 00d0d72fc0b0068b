// A blob writer for downloads, on the main thread but never blocking it. Each chunk is hashed
// as it arrives (sha256 runs at well over 1 GB/s, faster than the network delivers, so a worker
// thread's start-up and a copy of every chunk cost more than they save) and written through
// libuv's thread pool, uncopied, gathered into writevs of about 1 MiB. Writeback starts early,
// with an fdatasync every few MB in the background, so the fsync at commit finds little left.
// The commit contract is the store's (cas.ts): the blob gets its name only once it is complete,
// fsynced and of the expected digest; anything else removes the temp file.
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from '../common/node-crypto.ts';
import { randomHex } from '../common/random.ts';
import { promisify } from 'node:util';
import { SkiffError } from '../common/errors.ts';
import { digestOf, type Digest } from '../common/ids.ts';
import * as layout from '../common/layout.ts';
import { linkBlobInPlaceAsync, type HashAlgo } from './cas.ts';

export interface AsyncBlobWriter extends AsyncDisposable {
  readonly size: number;
  /**
   * Hashes `chunk` and queues it for the disk. It is written later and not copied, so its
   * memory must not be reused by whoever made it. Returns a promise when too many bytes wait for
   * the disk: the caller awaits it before writing more (it rejects if a write failed).
   */
  write(chunk: Uint8Array): Promise<void> | undefined;
  /** Waits for the disk, fsyncs, checks the digest and links the blob in; else removes it. */
  commit(expected?: Digest): Promise<Digest>;
  /** Waits for the writes under way (the fd stays theirs until then) and removes the temp file. */
  abort(): Promise<void>;
}

export interface AsyncBlobWriterOptions {
  /** Bytes queued or being written past which write() asks the caller to wait. */
  maxPending?: number;
  /** Bytes written between two background fdatasyncs. */
  syncEvery?: number;
  /** Bytes gathered before a writev (less only when someone waits for the disk). */
  batchBytes?: number;
}

/** Enough to keep the disk busy while the network fills the next batch, little enough to hold. */
const MAX_PENDING = 8 * 1024 * 1024;
/**
 * The kernel would otherwise hold a layer's pages dirty until the commit's fsync, which then
 * writes the whole blob while the pull waits (100-170 ms for a 30-40 MB layer).
 */
const SYNC_EVERY = 4 * 1024 * 1024;
/**
 * A network chunk is 16-64 KiB and a writev costs ~10 µs of main-thread time to submit, so one
 * call per chunk would cost more than the hashing; a batch of 1 MiB makes that negligible.
 */
const BATCH_BYTES = 1024 * 1024;

const fdatasync = promisify(fs.fdatasync);
const fsync = promisify(fs.fsync);
const close = promisify(fs.close);

export function createAsyncBlobWriter(dataDir: string, algo: HashAlgo, opts: AsyncBlobWriterOptions = {}): AsyncBlobWriter {
  const maxPending = opts.maxPending ?? MAX_PENDING;
  const syncEvery = opts.syncEvery ?? SYNC_EVERY;
  const batchBytes = opts.batchBytes ?? BATCH_BYTES;
  const tmp = path.join(layout.casTmpDir(dataDir), `blob-${process.pid}-${randomHex(6)}`);
  const fd = fs.openSync(tmp, 'wx', 0o644);
  const hash = createHash(algo);
  const ioError = (err: unknown): SkiffError => new SkiffError('IO', `writing blob ${tmp}: ${(err as Error).message}`, { cause: err });
  let size = 0;
  /** Chunks not yet handed to a writev, and their bytes plus those of the writev under way. */
  let queue: Uint8Array[] = [];
  let queued = 0;
  let pending = 0;
  let unsynced = 0;
  let writing = false;
  let syncing = false;
  let failure: Error | undefined;
  let state: 'open' | 'committing' | 'closed' = 'open';
  let room: { resolve: () => void; reject: (err: Error) => void } | undefined;
  let idle: (() => void)[] = [];
  let committing: Promise<Digest> | undefined;

  const fail = (err: Error): void => {
    failure ??= err;
    queue = [];
    queued = 0;
  };
  // Called after every change: lets a waiting write() go on, and commit/abort once nothing runs.
  const wake = (): void => {
    if (room && (failure || pending <= maxPending / 2)) {
      const r = room;
      room = undefined;
      if (failure) r.reject(failure);
      else r.resolve();
    }
    if (!writing && !syncing && queue.length === 0 && idle.length > 0) {
      const waiting = idle;
      idle = [];
      for (const w of waiting) w();
    }
  };
  const startSync = (): void => {
    if (syncing || failure || unsynced < syncEvery) return;
    syncing = true;
    unsynced = 0;
    fdatasync(fd).then(
      () => undefined,
      (err: unknown) => fail(ioError(err)),
    ).finally(() => {
      syncing = false;
      wake();
    });
  };
  const pump = (): void => {
    if (writing || failure || queue.length === 0) return;
    if (queued < batchBytes && idle.length === 0 && room === undefined) return;
    const batch = queue;
    queue = [];
    queued = 0;
    writing = true;
    fs.writev(fd, batch, (err, written) => {
      writing = false;
      if (err) fail(ioError(err));
      else {
        pending -= written;
        unsynced += written;
        const total = batch.reduce((n, c) => n + c.length, 0);
        // libuv loops until every buffer is written or a call fails; a short count means the
        // failure comes with the next call, and no count at all would loop for ever.
        if (written === 0 && total > 0) fail(ioError(new Error('the disk took no bytes')));
        else if (written < total) {
          queue.unshift(...unwritten(batch, written));
          queued += total - written;
        }
        startSync();
      }
      pump();
      wake();
    });
  };
  const settle = (): Promise<void> => new Promise<void>((resolve) => {
    idle.push(resolve);
    pump();
    wake();
  });
  // Closes and removes the temp file once no request still uses the fd (closing it earlier
  // could let a late write land in whatever file next gets the same number).
  const discard = async (): Promise<void> => {
    await settle();
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
  };

  const abort = async (): Promise<void> => {
    // A commit under way owns the fd until it settles; if it fails it removes the file itself.
    if (committing) await committing.catch(() => undefined);
    if (state === 'closed') return;
    state = 'closed';
    fail(new SkiffError('IO', `writing blob ${tmp}: aborted`));
    wake();
    await discard();
  };

  return {
    get size() {
      return size;
    },
    write(chunk) {
      if (failure) throw failure;
      if (state !== 'open') throw new SkiffError('INTERNAL', `writing blob ${tmp}: write after commit or abort`);
      hash.update(chunk);
      size += chunk.length;
      queue.push(chunk);
      queued += chunk.length;
      pending += chunk.length;
      if (pending < maxPending) {
        pump();
        return undefined;
      }
      return new Promise<void>((resolve, reject) => {
        room = { resolve, reject };
        pump();
        wake();
      });
    },
    commit(expected) {
      if (failure) return Promise.reject(failure);
      if (state !== 'open') return Promise.reject(new SkiffError('INTERNAL', `writing blob ${tmp}: committed twice`));
      state = 'committing';
      committing = finish(expected);
      return committing;
    },
    abort,
    [Symbol.asyncDispose]: abort,
  };

  // Waits for the last writes, then checks the digest (a wrong blob is not worth an fsync),
  // fsyncs and links the blob in; on any failure the temp file goes.
  async function finish(expected: Digest | undefined): Promise<Digest> {
    try {
      await settle();
      if (failure) throw failure;
      const digest = digestOf(algo, hash.digest('hex'));
      if (expected !== undefined && expected !== digest) {
        throw new SkiffError('DIGEST_MISMATCH', `content has digest ${digest}, expected ${expected}`, {
          hint: 'the source is corrupt or was tampered with; nothing was stored',
        });
      }
      await fsync(fd).catch((err: unknown) => {
        throw ioError(err);
      });
      state = 'closed';
      await close(fd);
      await linkBlobInPlaceAsync(dataDir, tmp, digest);
      return digest;
    } catch (err) {
      if (state !== 'closed') {
        state = 'closed';
        await discard();
      } else {
        fs.rmSync(tmp, { force: true });
      }
      throw err;
    }
  }
}

/** What a writev that stopped after `written` bytes left of `batch`. */
function unwritten(batch: Uint8Array[], written: number): Uint8Array[] {
  let skip = written;
  let i = 0;
  while (i < batch.length && skip >= batch[i]!.length) skip -= batch[i++]!.length;
  return i < batch.length ? [batch[i]!.subarray(skip), ...batch.slice(i + 1)] : [];
}
