// The image library API behind `skiff image …`: each takes (ctx, opts) and returns plain data.
import fs from 'node:fs';
import type { Ctx } from '../common/context.ts';
import type { ImageManifest } from '../common/appc-types.ts';
import { SkiffError } from '../common/errors.ts';
import type { ImageId } from '../common/ids.ts';
import { readImageRecords, removeImageRecord, resolveImage, type ImageRecord } from './image-index.ts';
import { lockStore, storeExists } from './store-dirs.ts';
import { aciManifestPath } from '../common/layout.ts';

export interface ImageSummary {
  id: ImageId;
  name: string;
  version: string | undefined;
  format: 'aci' | 'oci';
  size: number;
  importedAt: string;
  source: string;
}

export function summarize(r: ImageRecord): ImageSummary {
  return { id: r.id, name: r.name, version: r.version, format: r.format, size: r.size, importedAt: r.importedAt, source: r.source };
}

export function listImages(ctx: Pick<Ctx, 'dataDir'>): ImageSummary[] {
  if (!storeExists(ctx.dataDir)) return [];
  return readImageRecords(ctx.dataDir).map(summarize);
}

export function findImage(ctx: Pick<Ctx, 'dataDir'>, ref: string): ImageRecord {
  return resolveImage(storeExists(ctx.dataDir) ? readImageRecords(ctx.dataDir) : [], ref);
}

export function catImageManifest(ctx: Pick<Ctx, 'dataDir'>, ref: string): ImageManifest {
  return findImage(ctx, ref).manifest;
}

/** Removes images from the index; their blobs and trees go at the next `image gc`. */
export function removeImages(ctx: Ctx, refs: readonly string[]): { removed: ImageId[] } {
  using _lock = lockStore(ctx, 'shared');
  const records = readImageRecords(ctx.dataDir);
  const targets = refs.map((ref) => resolveImage(records, ref));
  for (const r of targets) removeImageRecord(ctx.dataDir, r.id);
  return { removed: [...new Set(targets.map((r) => r.id))] };
}

/** DIR must be absent or empty: extracting into a populated directory would mix two trees. */
export function prepareEmptyDir(dir: string): void {
  try {
    const names = fs.readdirSync(dir);
    if (names.length > 0) throw new SkiffError('USAGE', `${dir} is not empty`, { hint: 'give a new or empty directory' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  }
}

export function manifestJson(manifest: ImageManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

export function writeManifestBeside(dir: string, manifest: ImageManifest): void {
  fs.writeFileSync(aciManifestPath(dir), manifestJson(manifest));
}
