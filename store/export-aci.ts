// `skiff image export`: an ACI imported as an ACI is written back byte for byte (its stored,
// verified, uncompressed tar), so it re-imports to the same ID. Other images are packed from
// their verified rendered tree with their appc manifest.
import fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Ctx } from '../common/context.ts';
import { SkiffError } from '../common/errors.ts';
import { tempNameBeside } from '../common/write-atomic.ts';
import { blobPath } from './cas.ts';
import { findImage } from './image-ops.ts';
import { packAci } from './pack-aci.ts';
import { withRenderedRootfs } from './render-image.ts';

export interface ExportOptions {
  ref: string;
  file: string;
  overwrite: boolean;
}

export async function exportAci(ctx: Ctx, opts: ExportOptions): Promise<{ file: string }> {
  const image = findImage(ctx, opts.ref);
  if (!opts.overwrite && fs.existsSync(opts.file)) {
    throw new SkiffError('USAGE', `${opts.file} already exists`, { hint: 'pass --overwrite to replace it' });
  }
  const tmp = tempNameBeside(opts.file);
  try {
    if (image.format === 'aci') {
      await pipeline(fs.createReadStream(blobPath(ctx.dataDir, image.blobs[0]!), { highWaterMark: 1024 * 1024 }), fs.createWriteStream(tmp));
    } else {
      await withRenderedRootfs(ctx, image, (rootfs) => packAci(image.manifest, rootfs, fs.createWriteStream(tmp)));
    }
    fs.renameSync(tmp, opts.file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  return { file: opts.file };
}
