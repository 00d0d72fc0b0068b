// `skiff image render`, and the rendered root filesystem of an image for anyone who needs one
// as a plain directory: every tree is verified first (unless --insecure-options=ondisk).
import fs from 'node:fs';
import type { Ctx } from '../common/context.ts';
import { aciRootfsPath } from '../common/layout.ts';
import type { ImageRecord } from './image-index.ts';
import { findImage, prepareEmptyDir, writeManifestBeside } from './image-ops.ts';
import { renderMissingTrees } from './render-missing-trees.ts';
import { flattenLayerTrees } from './tree/merge-layers.ts';
import { createTreeTmp, readTreeRecord, useTree } from './tree-store.ts';

/** Copies a single verified tree (cp keeps owners, modes, links, devices and xattrs). */
function copyTree(ctx: Ctx, from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  ctx.host.run('cp', ['-a', '--reflink=auto', '--', `${from}/.`, `${to}/`]);
}

/** Writes the image's root filesystem, layers applied, into `dest` (which must exist). */
export function renderRootfsInto(ctx: Ctx, image: ImageRecord, dest: string): void {
  const roots = image.trees.map((id) => useTree(ctx, id));
  if (image.format === 'aci' || roots.length === 1) {
    copyTree(ctx, roots[0]!, dest);
    return;
  }
  flattenLayerTrees(
    roots,
    image.trees.map((id) => readTreeRecord(ctx.dataDir, id)),
    dest,
    ctx.host,
  );
}

/** Calls fn with a verified plain rootfs: the tree itself for one-tree images, else a temp flattening. */
export async function withRenderedRootfs<T>(ctx: Ctx, image: ImageRecord, fn: (rootfs: string) => Promise<T>): Promise<T> {
  await renderMissingTrees(ctx, image);
  if (image.trees.length === 1) return fn(useTree(ctx, image.trees[0]!));
  using tmp = createTreeTmp(ctx.dataDir);
  renderRootfsInto(ctx, image, tmp.rootfs);
  // `await`, not a bare return: `using` removes tmp as soon as this function returns, and fn
  // (packing an export) is still reading it then.
  return await fn(tmp.rootfs);
}

export interface RenderOptions {
  ref: string;
  dir: string;
  rootfsOnly: boolean;
}

export async function renderImage(ctx: Ctx, opts: RenderOptions): Promise<{ dir: string }> {
  const image = findImage(ctx, opts.ref);
  await renderMissingTrees(ctx, image);
  prepareEmptyDir(opts.dir);
  const rootfs = opts.rootfsOnly ? opts.dir : aciRootfsPath(opts.dir);
  // flattenLayerTrees writes into an existing directory; DIR/rootfs does not exist yet.
  fs.mkdirSync(rootfs, { recursive: true, mode: 0o755 });
  renderRootfsInto(ctx, image, rootfs);
  if (!opts.rootfsOnly) writeManifestBeside(opts.dir, image.manifest);
  return { dir: opts.dir };
}
