// The tree store: rendered, verified trees keyed by image (ACI) or layer (OCI). A tree is
// rendered into tree/tmp, renamed under its ID, and only then marked `rendered`; a tree without
// the marker is debris from an interrupted render and is never used.
import fs from 'node:fs';
import path from 'node:path';
import { randomHex } from '../common/random.ts';
import type { Ctx } from '../common/context.ts';
import { SkiffError } from '../common/errors.ts';
import type { TreeId } from '../common/ids.ts';
import * as layout from '../common/layout.ts';
import { writeFileAtomic, writeJsonAtomic, fsyncDir } from '../common/write-atomic.ts';
import { fileStamp } from '../common/owned-file.ts';
import { recall, remember } from './stamp-cache.ts';
import { captureStamp, computeTreeHash, parseTreeRecord, verifyTree, type TreeEntry, type TreeRecord } from './tree/tree-record.ts';

export interface TreeTmp extends Disposable {
  readonly dir: string;
  readonly rootfs: string;
}

/** A private directory to render into; removed on dispose unless committed. */
export function createTreeTmp(dataDir: string): TreeTmp {
  const dir = path.join(layout.treeTmpDir(dataDir), `render-${process.pid}-${randomHex(6)}`);
  const rootfs = path.join(dir, 'rootfs');
  fs.mkdirSync(rootfs, { recursive: true, mode: 0o755 });
  return {
    dir,
    rootfs,
    [Symbol.dispose]: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

export function isTreeRendered(dataDir: string, id: TreeId): boolean {
  return fs.existsSync(layout.treeRenderedPath(dataDir, id));
}

/**
 * Moves a finished render under its ID. When another import committed the same tree first,
 * ours is dropped: both came from the same verified bytes.
 *
 * The record and the `rendered` marker are written inside the temp directory, before the rename:
 * a directory then appears under its tree ID complete or not at all. Writing the marker after
 * the rename left a window in which a concurrent import of the same tree (two fetches of one
 * image, or of two images sharing a layer) saw an unmarked tree, took it for debris and
 * deleted it under the first import's feet (ENOTEMPTY from rm or rename).
 */
export function commitTree(dataDir: string, tmp: TreeTmp, id: TreeId, source: string, entries: TreeEntry[]): void {
  const record: TreeRecord = {
    treeId: id,
    source,
    treeHash: computeTreeHash(entries),
    entries,
    stamp: captureStamp(tmp.rootfs, entries),
  };
  writeJsonAtomic(path.join(tmp.dir, path.basename(layout.treeRecordPath(dataDir, id))), record);
  writeFileAtomic(path.join(tmp.dir, path.basename(layout.treeRenderedPath(dataDir, id))), `${record.treeHash}
`);
  const final = layout.treePath(dataDir, id);
  if (isTreeRendered(dataDir, id)) return;
  // An unmarked directory under the final name is debris of a crash (or of an interrupted
  // gc): move it aside and take its place.
  if (fs.existsSync(final)) discardTreeDir(dataDir, final);
  try {
    fs.renameSync(tmp.dir, final);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if ((code === 'ENOTEMPTY' || code === 'EEXIST') && isTreeRendered(dataDir, id)) return;
    throw err;
  }
  fsyncDir(path.dirname(final));
}

/**
 * Removes a directory of the tree store by first renaming it into tree/tmp: the rename is
 * atomic, so a tree is never seen half deleted under its ID, and two processes clearing the
 * same debris do not trip over each other (the loser finds nothing to move).
 */
function discardTreeDir(dataDir: string, dir: string): void {
  const aside = path.join(layout.treeTmpDir(dataDir), `discard-${process.pid}-${randomHex(6)}`);
  try {
    fs.renameSync(dir, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  fs.rmSync(aside, { recursive: true, force: true });
}

export function readTreeRecord(dataDir: string, id: TreeId): TreeRecord {
  return readTreeRecordStat(dataDir, id).record;
}

/** The record and the stats of the file it was read from (one fd: they belong together). */
function readTreeRecordStat(dataDir: string, id: TreeId): { record: TreeRecord; st: fs.BigIntStats } {
  try {
    const fd = fs.openSync(layout.treeRecordPath(dataDir, id), 'r');
    try {
      const st = fs.fstatSync(fd, { bigint: true });
      const record = parseTreeRecord(JSON.parse(fs.readFileSync(fd, 'utf8')));
      return { record, st };
    } finally {
      fs.closeSync(fd);
    }
  } catch (err) {
    throw new SkiffError('TREE_CORRUPT', `tree ${id} has no readable record`, {
      cause: err,
      hint: 'remove the image with `skiff image rm`, run `skiff image gc` and fetch it again',
    });
  }
}

/** The hash of a record's entries, remembered by the record file's stamp (store/stamp-cache.ts). */
function entriesHash(dataDir: string, id: TreeId, record: TreeRecord, st: fs.BigIntStats): string {
  const key = `tree-entries:${layout.treeRecordPath(dataDir, id)}`;
  const known = recall(dataDir, key, fileStamp(st));
  if (known !== undefined) return known;
  const hash = computeTreeHash(record.entries);
  remember(dataDir, key, st, hash);
  return hash;
}

/** The rootfs of a rendered tree, verified against its record unless --insecure-options=ondisk. */
export function useTree(ctx: Pick<Ctx, 'dataDir' | 'insecure' | 'log'>, id: TreeId): string {
  if (!isTreeRendered(ctx.dataDir, id)) {
    throw new SkiffError('TREE_CORRUPT', `tree ${id} is not rendered`, { hint: 'fetch the image again' });
  }
  const rootfs = layout.treeRootfsPath(ctx.dataDir, id);
  if (ctx.insecure.ondisk) return rootfs;
  const { record, st } = readTreeRecordStat(ctx.dataDir, id);
  const marker = fs.readFileSync(layout.treeRenderedPath(ctx.dataDir, id), 'utf8').trim();
  if (marker !== record.treeHash || entriesHash(ctx.dataDir, id, record, st) !== record.treeHash) {
    throw new SkiffError('TREE_CORRUPT', `tree ${id} does not match its recorded hash`, {
      hint: 'remove the image with `skiff image rm`, run `skiff image gc` (a tree an image still names is kept) and fetch it again, or pass --insecure-options=ondisk',
    });
  }
  verifyTree(rootfs, record);
  return rootfs;
}

export function listTrees(dataDir: string): string[] {
  try {
    return fs.readdirSync(layout.treeStoreDir(dataDir)).filter((n) => n !== 'tmp');
  } catch {
    return [];
  }
}

export function removeTreeDir(dataDir: string, name: string): void {
  discardTreeDir(dataDir, path.join(layout.treeStoreDir(dataDir), name));
}
