// Giving the stage1 and each app a root filesystem inside the pod: an overlay whose lower
// dirs are the image's verified trees and whose upper/work dirs live in the pod (default),
// or a plain copy (--no-overlay, or a data dir that cannot host overlayfs).
import fs from 'node:fs';
import path from 'node:path';
import type { Ctx } from '../../common/context.ts';
import { describeCause } from '../../common/errors.ts';
import type { AppName } from '../../common/ids.ts';
import * as layout from '../../common/layout.ts';
import type { ImageRecord } from '../../store/image-index.ts';
import { renderRootfsInto } from '../../store/render-image.ts';
import { useTree } from '../../store/tree-store.ts';
import { isMountPoint, mountOverlay } from './mounts.ts';

export interface RootfsPlan {
  image: ImageRecord;
  target: string;
  upper: string;
  work: string;
}

export function stage1RootfsPlan(podRoot: string, image: ImageRecord): RootfsPlan {
  return {
    image,
    target: layout.stage1RootfsPath(podRoot),
    upper: layout.stage1OverlayUpperPath(podRoot),
    work: layout.stage1OverlayWorkPath(podRoot),
  };
}

export function appRootfsPlan(podRoot: string, app: AppName, image: ImageRecord): RootfsPlan {
  return {
    image,
    target: layout.appRootfsPath(podRoot, app),
    upper: layout.overlayUpperPath(podRoot, app),
    work: layout.overlayWorkPath(podRoot, app),
  };
}

/** Mounts (or, when already mounted, leaves) the overlay for one rootfs; trees are verified first. */
export function mountRootfs(ctx: Ctx, plan: RootfsPlan): void {
  if (isMountPoint(ctx.host, plan.target)) return;
  const lowers = plan.image.trees.map((id) => useTree(ctx, id));
  for (const d of [plan.target, plan.upper, plan.work]) fs.mkdirSync(d, { recursive: true, mode: 0o755 });
  mountOverlay(ctx.host, lowers, plan.upper, plan.work, plan.target);
}

export function copyRootfs(ctx: Ctx, plan: RootfsPlan): void {
  fs.mkdirSync(plan.target, { recursive: true, mode: 0o755 });
  renderRootfsInto(ctx, plan.image, plan.target);
}

/**
 * Tries an overlay first; when the kernel refuses it (no overlayfs, or a data dir on a
 * filesystem overlayfs cannot use as upper), falls back to a copy and says why.
 */
export function renderRootfs(ctx: Ctx, plan: RootfsPlan, useOverlay: boolean): 'overlay' | 'copy' {
  if (useOverlay) {
    try {
      mountRootfs(ctx, plan);
      return 'overlay';
    } catch (err) {
      if ((err as { code?: string }).code === 'TREE_CORRUPT') throw err;
      ctx.log.warn(`cannot mount an overlay for ${plan.target} (${describeCause(err)}); copying the image instead`);
      fs.rmSync(plan.upper, { recursive: true, force: true });
      fs.rmSync(plan.work, { recursive: true, force: true });
    }
  }
  copyRootfs(ctx, plan);
  return 'copy';
}

/** Programs that read /etc/mtab expect it; images often lack it (rkt creates the same link). */
export function ensureMtabLink(rootfs: string): void {
  const etc = path.join(rootfs, 'etc');
  try {
    if (!fs.lstatSync(etc).isDirectory()) return;
    fs.lstatSync(path.join(etc, 'mtab'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return;
    if (!fs.existsSync(etc)) return;
    fs.symlinkSync('../proc/self/mounts', path.join(etc, 'mtab'));
  }
}
