// One OCI layer in one read: the compressed bytes are hashed (the layer digest) and stored,
// decompressed on the other core, hashed again (the diffID the config promises) and rendered
// into its own tree with overlay-format whiteouts. A layer already stored and rendered is
// skipped, so images that share a base share its bytes and its render.
import fs from 'node:fs';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Ctx } from '../../common/context.ts';
import { SkiffError, wrap } from '../../common/errors.ts';
import { digestOf, treeIdFor, type Digest, type TreeId } from '../../common/ids.ts';
import { blobPath, createBlobWriter, hasBlob, type BlobWriter } from '../cas.ts';
import { sniffCompression } from '../formats/image-ref.ts';
import { extractTar } from '../tar/extract-tree.ts';
import { commitTree, createTreeTmp, isTreeRendered, type TreeTmp } from '../tree-store.ts';
import { READ_CHUNK, readMagic, spawnDecompressor } from './decompress.ts';
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

export async function importLayer(ctx: Ctx, file: string, desc: LayerDescriptor, diffId: Digest, what: string): Promise<TreeId> {
  const treeId = treeIdFor(diffId);
  const haveBlob = hasBlob(ctx.dataDir, desc.digest);
  const haveTree = isTreeRendered(ctx.dataDir, treeId);
  if (haveBlob && haveTree) return treeId;
  const input = haveBlob ? blobPath(ctx.dataDir, desc.digest) : file;
  if (!fs.existsSync(input)) throw new SkiffError('IMAGE_FORMAT', `${what}: layer ${desc.digest} is missing from the image`);
  const compression = sniffCompression(readMagic(input));
  if (compression === 'unknown' || compression === 'bzip2' || compression === 'xz') {
    throw new SkiffError('IMAGE_FORMAT', `${what}: layer ${desc.digest} is not a tar, gzip or zstd stream (${compression})`);
  }
  using blob = haveBlob ? undefined : createBlobWriter(ctx.dataDir, 'sha256');
  using tmp = haveTree ? undefined : createTreeTmp(ctx.dataDir);
  const compHash = createHash('sha256');
  const diffHash = compression === 'none' ? compHash : createHash('sha256');
  const render = (s: Readable): Promise<{ entries: import('../tree/tree-record.ts').TreeEntry[] } | undefined> =>
    tmp ? extractTar(s, layerExtractOptions(ctx, tmp, what)) : drain(s);
  const onCompressed = (chunk: Buffer): void => {
    compHash.update(chunk);
    blob?.write(chunk);
    ctx.progress?.advance(chunk.length);
  };
  const source = fs.createReadStream(input, { highWaterMark: READ_CHUNK });
  let result;
  try {
    if (compression === 'none') {
      result = await feedParser(source, { onChunk: onCompressed }, render);
    } else {
      const dec = await spawnDecompressor(compression, `${what}: layer ${desc.digest}`);
      try {
        result = await feedParser(source, { onChunk: onCompressed }, async (compressed) => {
          compressed.pipe(dec.stdin as NodeJS.WritableStream);
          const r = await feedParser(dec.stdout, { onChunk: (c) => void diffHash.update(c) }, render);
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
  checkDigest(compHash.digest('hex'), desc.digest, `${what}: layer`);
  checkDigest(diffHash === compHash ? desc.digest.slice(7) : diffHash.digest('hex'), diffId, `${what}: uncompressed layer (diff_id)`);
  commitLayer(ctx, blob, desc, tmp, treeId, result?.entries);
  return treeId;
}

function checkDigest(hex: string, expected: Digest, what: string): void {
  const got = digestOf('sha256', hex);
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

function layerExtractOptions(ctx: Ctx, tmp: TreeTmp, what: string): Parameters<typeof extractTar>[1] {
  return {
    dest: tmp.rootfs,
    whiteouts: 'overlay',
    limits: ctx.limits,
    preserveOwnership: ctx.host.geteuid() === 0,
    host: ctx.host,
    log: ctx.log.child({ mod: 'store', op: 'render-layer', what }),
  };
}
