// One OCI layer in one read: the compressed bytes are hashed (the layer digest) and stored,
// decompressed on the other core, hashed again (the diffID the config promises) and rendered
// into its own tree with overlay-format whiteouts. A layer already stored and rendered is
// skipped, so images that share a base share its bytes and its render.
import fs from 'node:fs';
import { createHash } from '../../common/node-crypto.ts';
import type { Readable } from 'node:stream';
import type { Ctx } from '../../common/context.ts';
import { SkiffError, wrap } from '../../common/errors.ts';
import { digestOf, treeIdFor, type Digest, type TreeId } from '../../common/ids.ts';
import { createAsyncBlobWriter } from '../async-blob-writer.ts';
import { blobPath, createBlobWriter, hasBlob, type BlobWriter } from '../cas.ts';
import { sniffCompression } from '../formats/image-ref.ts';
import type { extractTar as ExtractTar } from '../tar/extract-tree.ts';
import { commitTree, createTreeTmp, isTreeRendered, type TreeTmp } from '../tree-store.ts';
import { READ_CHUNK, spawnDecompressor } from './decompress.ts';
import { feedParser } from './feed.ts';

export interface LayerDescriptor {
  digest: Digest;
  size: number;
  mediaType: string;
}

async function drain(input: Readable): Promise<undefined> {
  for await (const _ of input) {
    // Only the hashes and the blob are wanted: the tree is already rendered.
  }
  return undefined;
}

/** Where a layer's bytes (as stored: compressed) come from when the store lacks its blob. */
export interface LayerSource {
  /**
   * Opened at most once, and only when the blob is not in the store (so nothing is downloaded
   * for it). Each chunk must be memory of its own that nobody changes afterwards: the store
   * writes it later, without a copy.
   */
  open(): Promise<AsyncIterable<Buffer>>;
}

export interface ImportLayerOptions {
  /** Told of every compressed byte read; default: ctx.progress. */
  onBytes?: (bytes: number) => void;
  /**
   * false: store the verified blob only, and leave decompression, the diff_id check and the
   * tree to the first use (renderMissingTrees). Registry pulls do this, as skopeo and rkt's
   * fetch do: the pull is a download, the render is paid by the first pod.
   */
  render?: boolean;
}

/** Enough of a stream to tell a tar (its 512-byte header) from gzip or zstd. */
const HEAD_BYTES = 512;

/**
 * Imports one layer from a file, or from a stream (a registry download) with no temp file: the
 * bytes are hashed and stored, decompressed, hashed again and extracted as they arrive. A layer
 * whose blob and tree are both stored is not read at all.
 */
export async function importLayer(
  ctx: Ctx,
  source: string | LayerSource,
  desc: LayerDescriptor,
  diffId: Digest,
  what: string,
  opts: ImportLayerOptions = {},
): Promise<TreeId> {
  const treeId = treeIdFor(diffId);
  const haveBlob = hasBlob(ctx.dataDir, desc.digest);
  const haveTree = opts.render === false || isTreeRendered(ctx.dataDir, treeId);
  if (haveBlob && haveTree) return treeId;
  let input: AsyncIterable<Buffer>;
  if (haveBlob || typeof source === 'string') {
    const file = haveBlob ? blobPath(ctx.dataDir, desc.digest) : (source as string);
    if (!fs.existsSync(file)) throw new SkiffError('IMAGE_FORMAT', `${what}: layer ${desc.digest} is missing from the image`);
    input = fs.createReadStream(file, { highWaterMark: READ_CHUNK });
  } else {
    input = await source.open();
  }
  const { head, rest } = await peekHead(input, HEAD_BYTES);
  const compression = sniffCompression(head);
  if (compression === 'unknown' || compression === 'bzip2' || compression === 'xz') {
    await closeIterable(rest);
    throw new SkiffError('IMAGE_FORMAT', `${what}: layer ${desc.digest} is not a tar, gzip or zstd stream (${compression})`);
  }
  // Nothing to render: the compressed bytes are only hashed and stored, not decompressed.
  const storeOnly = opts.render === false;
  const onBytes = opts.onBytes ?? ((n: number) => ctx.progress?.advance(n));
  if (storeOnly) {
    await storeLayerBlob(ctx, rest, desc, what, onBytes);
    return treeId;
  }
  // The tar extractor loads only when a layer is rendered: a registry pull stores blobs only.
  const { extractTar } = await import('../tar/extract-tree.ts');
  using blob = haveBlob ? undefined : createBlobWriter(ctx.dataDir, 'sha256');
  using tmp = haveTree ? undefined : createTreeTmp(ctx.dataDir);
  const diffHash = compression === 'none' ? undefined : createHash('sha256');
  const render = (s: Readable): Promise<{ entries: import('../tree/tree-record.ts').TreeEntry[] } | undefined> =>
    tmp ? extractTar(s, layerExtractOptions(ctx, tmp, what)) : drain(s);
  const compHash = createHash('sha256');
  const onCompressed = (chunk: Buffer): void => {
    compHash.update(chunk);
    blob?.write(chunk);
    onBytes(chunk.length);
  };
  let result;
  try {
    if (compression === 'none') {
      result = await feedParser(rest, { onChunk: onCompressed }, render);
    } else {
      const dec = await spawnDecompressor(compression, `${what}: layer ${desc.digest}`);
      // After a failure elsewhere (a bad tar, a broken download) the decompressor dies of EPIPE;
      // that is not the news, and must not surface later as an unhandled rejection.
      dec.done.catch(() => undefined);
      try {
        result = await feedParser(rest, { onChunk: onCompressed }, async (compressed) => {
          // A failed download destroys `compressed` without ending it: stop the decompressor,
          // or it waits for more input forever and this import never settles.
          compressed.once('error', () => dec.kill());
          compressed.pipe(dec.stdin as NodeJS.WritableStream);
          const r = await feedParser(dec.stdout, { onChunk: (c) => void diffHash!.update(c) }, render);
          await dec.done;
          return r;
        });
      } catch (err) {
        dec.kill();
        throw err;
      }
    }
  } catch (err) {
    throw wrap(err, `${what}: layer ${desc.digest}`);
  }
  const compDigest = digestOf('sha256', compHash.digest('hex'));
  checkDigest(compDigest, desc.digest, `${what}: layer`);
  checkDigest(diffHash ? digestOf('sha256', diffHash.digest('hex')) : compDigest, diffId, `${what}: uncompressed layer (diff_id)`);
  commitLayer(ctx, blob, desc, tmp, treeId, result?.entries);
  return treeId;
}

/**
 * A layer's blob only (a registry pull): hashed on the main thread as it arrives and written
 * behind it through libuv, without a worker thread or a copy (async-blob-writer.ts), so the
 * downloads never wait for the disk; the blob is linked in only if its digest is the
 * descriptor's. The chunks are the HTTP parser's own (see LayerSource.open).
 */
async function storeLayerBlob(ctx: Ctx, input: AsyncIterable<Buffer>, desc: LayerDescriptor, what: string, onBytes: (n: number) => void): Promise<void> {
  await using blob = createAsyncBlobWriter(ctx.dataDir, 'sha256');
  try {
    for await (const chunk of input) {
      onBytes(chunk.length);
      const full = blob.write(chunk);
      if (full) await full;
    }
    await blob.commit(desc.digest);
  } catch (err) {
    throw wrap(err, `${what}: layer ${desc.digest}`);
  }
}

/** The first `n` bytes of a stream (fewer if it is shorter), and the whole stream again. */
export async function peekHead(source: AsyncIterable<Buffer>, n: number): Promise<{ head: Buffer; rest: AsyncIterable<Buffer> }> {
  const it = source[Symbol.asyncIterator]();
  const parts: Buffer[] = [];
  let length = 0;
  let ended = false;
  while (length < n) {
    const r = await it.next();
    if (r.done) {
      ended = true;
      break;
    }
    parts.push(r.value);
    length += r.value.length;
  }
  const head = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  async function* rest(): AsyncGenerator<Buffer> {
    let finished = ended;
    try {
      if (head.length > 0) yield head;
      while (!finished) {
        const r = await it.next();
        if (r.done) finished = true;
        else yield r.value;
      }
    } finally {
      // Stopped early (a failure downstream): close the source, so a download is abandoned.
      if (!finished) await it.return?.();
    }
  }
  return { head: head.subarray(0, n), rest: rest() };
}

async function closeIterable(source: AsyncIterable<Buffer>): Promise<void> {
  await source[Symbol.asyncIterator]().return?.();
}

function checkDigest(got: Digest, expected: Digest, what: string): void {
  if (got !== expected) {
    throw new SkiffError('DIGEST_MISMATCH', `${what} has digest ${got}, expected ${expected}`, {
      hint: 'the image is corrupt or was tampered with; nothing was stored',
    });
  }
}

function commitLayer(
  ctx: Ctx,
  blob: BlobWriter | undefined,
  desc: LayerDescriptor,
  tmp: TreeTmp | undefined,
  treeId: TreeId,
  entries: import('../tree/tree-record.ts').TreeEntry[] | undefined,
): void {
  blob?.commit(desc.digest);
  if (tmp && entries) commitTree(ctx.dataDir, tmp, treeId, desc.digest, entries);
}

function layerExtractOptions(ctx: Ctx, tmp: TreeTmp, what: string): Parameters<typeof ExtractTar>[1] {
  return {
    dest: tmp.rootfs,
    whiteouts: 'overlay',
    limits: ctx.limits,
    preserveOwnership: ctx.host.geteuid() === 0,
    host: ctx.host,
    log: ctx.log.child({ mod: 'store', op: 'render-layer', what }),
  };
}
