// Trees of an image that are not rendered yet, rendered from its stored blobs: a registry pull
// stores layer blobs only, so the first prepare or `image render` of the image pays for
// decompressing, checking each layer's diff_id and extracting, once per layer.
import type { Ctx } from '../common/context.ts';
import type { ImageRecord } from './image-index.ts';
import { blobPath } from './cas.ts';
import { lockStore } from './store-dirs.ts';
import { isTreeRendered } from './tree-store.ts';

export async function renderMissingTrees(ctx: Ctx, image: ImageRecord): Promise<void> {
  const layers = image.layers ?? [];
  const missing = layers.filter((l, i) => !isTreeRendered(ctx.dataDir, image.trees[i]!));
  if (missing.length === 0) return;
  // Shared, like an import: `image gc` (exclusive) must not remove the blobs being read.
  using _lock = lockStore(ctx, 'shared');
  // Loaded only when needed: the extractor is not on the start-up path of every `skiff run`.
  const { importLayer } = await import('./import/import-layer.ts');
  const log = ctx.log.child({ mod: 'store', op: 'render-missing-trees', image: image.id });
  ctx.progress?.start(`rendering ${image.name}`, missing.reduce((n, l) => n + l.size, 0));
  try {
    for (const l of missing) {
      log.debug({ layer: l.digest }, 'rendering a layer stored by a pull');
      await importLayer(ctx, blobPath(ctx.dataDir, l.digest), l, l.diffId, image.source);
    }
  } finally {
    ctx.progress?.done();
  }
}
