// `skiff image extract`: the root filesystem as stored, re-read from the image's own blobs
// (the ACI tar, or the OCI layers applied in order with their whiteouts) rather than from the
// rendered tree, through the same hostile-input-safe extractor as an import.
import fs from 'node:fs';
import type { Ctx } from '../common/context.ts';
import { wrap } from '../common/errors.ts';
import { aciRootfsPath } from '../common/layout.ts';
import { blobPath } from './cas.ts';
import { sniffCompression } from './formats/image-ref.ts';
import { findImage, prepareEmptyDir, writeManifestBeside } from './image-ops.ts';
import { extractTar } from './tar/extract-tree.ts';
import { openDecompressed, readMagic } from './import/decompress.ts';

async function extractBlob(ctx: Ctx, file: string, dest: string, aci: boolean): Promise<void> {
  const dec = await openDecompressed(file, sniffCompression(readMagic(file)), file);
  try {
    await extractTar(dec.stream, {
      dest,
      stripPrefix: aci ? 'rootfs/' : undefined,
      onOther: aci ? async (_name, _h, body) => void body.resume() : undefined,
      whiteouts: aci ? 'keep' : 'apply',
      limits: ctx.limits,
      preserveOwnership: ctx.host.geteuid() === 0,
      host: ctx.host,
      log: ctx.log.child({ mod: 'store', op: 'extract' }),
    });
    await dec.done;
  } catch (err) {
    dec.kill();
    throw err;
  }
}

export async function extractImage(ctx: Ctx, opts: { ref: string; dir: string; rootfsOnly: boolean }): Promise<{ dir: string }> {
  const image = findImage(ctx, opts.ref);
  prepareEmptyDir(opts.dir);
  const rootfs = opts.rootfsOnly ? opts.dir : aciRootfsPath(opts.dir);
  fs.mkdirSync(rootfs, { recursive: true });
  try {
    if (image.format === 'aci') {
      await extractBlob(ctx, blobPath(ctx.dataDir, image.blobs[0]!), rootfs, true);
    } else {
      for (const layer of image.layers ?? []) await extractBlob(ctx, blobPath(ctx.dataDir, layer.digest), rootfs, false);
    }
  } catch (err) {
    throw wrap(err, `extracting ${image.id}`);
  }
  if (!opts.rootfsOnly) writeManifestBeside(opts.dir, image.manifest);
  return { dir: opts.dir };
}
