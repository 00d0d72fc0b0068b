// `skiff image gc`: under the exclusive store lock (so no import or prepare is half way),
// remove every blob and tree that no image record and no pod refers to, and the temp debris
// of interrupted imports.
import fs from 'node:fs';
import path from 'node:path';
import type { Ctx } from '../common/context.ts';
import * as layout from '../common/layout.ts';
import { parseAppName, parsePodUuid } from '../common/ids.ts';
import { listBlobs, removeBlob } from './cas.ts';
import { readImageRecords } from './image-index.ts';
import { lockStore, storeExists } from './store-dirs.ts';
import { listTrees, removeTreeDir } from './tree-store.ts';
import { pruneRemoteRecords } from './remote/cache/remote-records.ts';

export interface ImageGcResult {
  blobs: number;
  trees: number;
  debris: number;
  bytes: number;
}

/** Trees that pods still use (their rootfs may be an overlay on top of them). */
function treesUsedByPods(dataDir: string): Set<string> {
  const used = new Set<string>();
  for (const state of layout.POD_STATES) {
    if (state === 'garbage') continue;
    let pods: string[] = [];
    try {
      pods = fs.readdirSync(layout.podStateDir(dataDir, state));
    } catch {
      continue;
    }
    for (const uuid of pods) {
      let podRoot: string;
      let apps: string[] = [];
      try {
        podRoot = layout.podDir(dataDir, state, parsePodUuid(uuid));
        apps = fs.readdirSync(layout.appsInfoDir(podRoot));
      } catch {
        continue;
      }
      for (const app of apps) {
        try {
          const ids = fs.readFileSync(layout.appTreeIdPath(podRoot, parseAppName(app)), 'utf8');
          for (const id of ids.split('\n')) if (id.trim()) used.add(id.trim());
        } catch {
          // An app without a tree record (a half-prepared pod) pins nothing.
        }
      }
    }
  }
  return used;
}

function sizeOf(p: string): number {
  try {
    return fs.statSync(p).size;
  } catch {
    return 0;
  }
}

export function imageGc(ctx: Ctx): ImageGcResult {
  const result: ImageGcResult = { blobs: 0, trees: 0, debris: 0, bytes: 0 };
  if (!storeExists(ctx.dataDir)) return result;
  using _lock = lockStore(ctx, 'exclusive');
  const log = ctx.log.child({ mod: 'store', op: 'image-gc' });
  const records = readImageRecords(ctx.dataDir);
  const keepBlobs = new Set<string>(records.flatMap((r) => r.blobs));
  const keepTrees = new Set<string>([...records.flatMap((r) => r.trees), ...treesUsedByPods(ctx.dataDir)]);
  for (const digest of listBlobs(ctx.dataDir)) {
    if (keepBlobs.has(digest)) continue;
    result.bytes += sizeOf(layout.casBlobPath(ctx.dataDir, digest));
    removeBlob(ctx.dataDir, digest);
    result.blobs++;
    log.debug({ digest }, 'removed blob');
  }
  for (const name of listTrees(ctx.dataDir)) {
    if (keepTrees.has(name)) continue;
    removeTreeDir(ctx.dataDir, name);
    result.trees++;
    log.debug({ tree: name }, 'removed tree');
  }
  result.debris += pruneRemoteRecords(ctx.dataDir, new Set(records.map((r) => r.id)), Date.now());
  // With the lock held exclusively no import is running, so every temp file is debris.
  for (const dir of [layout.casTmpDir(ctx.dataDir), layout.treeTmpDir(ctx.dataDir)]) {
    for (const name of fs.readdirSync(dir)) {
      fs.rmSync(path.join(dir, name), { recursive: true, force: true });
      result.debris++;
    }
  }
  return result;
}
