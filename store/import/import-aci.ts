// Importing an ACI in one read: the decompressed tar is hashed (its sha512 is the image ID),
// stored in the CAS and rendered into the tree store at the same time.
import { Buffer } from 'node:buffer';
import type { Readable } from 'node:stream';
import type { Ctx } from '../../common/context.ts';
import { SkiffError, wrap } from '../../common/errors.ts';
import { aciImageId, treeIdFor } from '../../common/ids.ts';
import { parseJsonDocument, validateImageManifest } from '../../common/schemas/validate.ts';
import fs from 'node:fs';
import { BACKGROUND_MIN_BYTES, createBackgroundBlobWriter, wrapBlobWriter } from '../background-blob-writer.ts';
import { createBlobWriter } from '../cas.ts';
import { sniffCompression } from '../formats/image-ref.ts';
import { versionOf, writeImageRecord, type ImageRecord } from '../image-index.ts';
import { extractTar } from '../tar/extract-tree.ts';
import { commitTree, createTreeTmp } from '../tree-store.ts';
import { openDecompressed, readMagic } from './decompress.ts';
import { feedParser } from './feed.ts';
import { readAllLimited } from './read-limited.ts';

export async function importAciFile(ctx: Ctx, file: string, source: string): Promise<ImageRecord> {
  const log = ctx.log.child({ mod: 'store', op: 'import-aci', file });
  const compression = sniffCompression(readMagic(file));
  log.debug({ compression }, 'importing ACI');
  const dec = await openDecompressed(file, compression, file);
  // Uncompressed, a big ACI's blob copy and sha512 cost as much as extracting it: off the
  // main thread they run beside the extraction. Small ones are not worth a worker.
  await using blob = fs.statSync(file).size >= BACKGROUND_MIN_BYTES
    ? createBackgroundBlobWriter(ctx.dataDir, 'sha512')
    : wrapBlobWriter(createBlobWriter(ctx.dataDir, 'sha512'));
  using tmp = createTreeTmp(ctx.dataDir);
  let manifestBytes: Buffer | undefined;
  let total = 0;
  ctx.progress?.start(`importing ${source}`);
  try {
    const result = await feedParser(
      dec.stream,
      {
        onChunk: (chunk) => {
          total += chunk.length;
          if (total > ctx.limits.maxImageBytes) {
            throw new SkiffError('ARCHIVE_TOO_LARGE', `${file} decompresses to more than ${ctx.limits.maxImageBytes} bytes`, {
              hint: 'raise the limit with --max-image-size if the image is genuine',
            });
          }
          ctx.progress?.advance(chunk.length);
          return blob.write(chunk);
        },
      },
      (input: Readable) =>
        extractTar(input, {
          dest: tmp.rootfs,
          stripPrefix: 'rootfs/',
          whiteouts: 'keep',
          limits: ctx.limits,
          preserveOwnership: ctx.host.geteuid() === 0,
          host: ctx.host,
          log,
          onOther: async (name, _header, body) => {
            if (name !== 'manifest') return void body.resume();
            // The signature check read the first manifest's name to pick the keys: a second
            // manifest would import a signed image under a name its signer was not trusted for.
            if (manifestBytes !== undefined) throw new SkiffError('ARCHIVE_UNSAFE', `${file} has more than one manifest`);
            manifestBytes = await readAllLimited(body, ctx.limits.maxManifestBytes, `the manifest of ${file}`);
          },
        }),
    );
    await dec.done;
    ctx.progress?.done();
    if (manifestBytes === undefined) {
      throw new SkiffError('IMAGE_FORMAT', `${file} has no manifest at its top level, so it is not an ACI`);
    }
    const manifest = validateImageManifest(parseJsonDocument(manifestBytes, `the manifest of ${file}`, ctx.limits.maxManifestBytes), file);
    const digest = await blob.commit();
    const id = aciImageId(digest.slice('sha512:'.length));
    const treeId = treeIdFor(id);
    commitTree(ctx.dataDir, tmp, treeId, digest, result.entries);
    const record: ImageRecord = {
      id,
      format: 'aci',
      name: manifest.name,
      version: versionOf(manifest),
      labels: manifest.labels ?? [],
      manifest,
      source,
      size: blob.size,
      importedAt: new Date().toISOString(),
      blobs: [digest],
      trees: [treeId],
    };
    writeImageRecord(ctx.dataDir, record);
    log.debug({ id, entries: result.entryCount, bytes: total }, 'imported ACI');
    return record;
  } catch (err) {
    dec.kill();
    await dec.done.catch(() => undefined);
    throw wrap(err, `importing ${source}`);
  }
}
