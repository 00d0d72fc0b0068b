// Flattens rendered OCI layer trees into one plain directory equal to what overlayfs shows when
// they are stacked (for --no-overlay and `image render`). What hides what is taken from the
// tree records, not from whiteout devices and xattrs on disk: the records are verified data,
// and reading trusted.* xattrs needs privileges and a tool per directory.
//
// Files are copied, never hard-linked into the layers: a pod writes to its root, and a shared
// inode would carry that write back into the store. COPYFILE_FICLONE makes the copy a reflink
// where the filesystem can share extents copy-on-write.
import fs from 'node:fs';
import path from 'node:path';
import { SkiffError, wrap } from '../../common/errors.ts';
import type { Host } from '../../common/host.ts';
import { compareEntries, ROOT_PATH } from './tree-entry.ts';
import type { TreeEntry, TreeRecord } from './tree-entry.ts';

interface Node {
  entry: TreeEntry;
  layer: number;
  /** null for anything that is not a directory. */
  children: Map<string, Node> | null;
}

export interface FlattenOptions {
  /** Apply owners and create device nodes (default: when running as root). */
  preserveOwnership?: boolean;
}

function baseOf(rel: string): string {
  return rel.slice(rel.lastIndexOf('/') + 1);
}

function parentOf(rel: string): string {
  const i = rel.lastIndexOf('/');
  return i === -1 ? ROOT_PATH : rel.slice(0, i);
}

function lookup(root: Node, rel: string): Node | undefined {
  if (rel === ROOT_PATH) return root;
  let node: Node | undefined = root;
  for (const part of rel.split('/')) {
    node = node.children?.get(part);
    if (node === undefined) return undefined;
  }
  return node;
}

/** The merged view, bottom layer first: whiteouts and opaque markers hide only lower layers. */
function mergeRecords(records: readonly TreeRecord[]): Node {
  const root: Node = { entry: { path: ROOT_PATH, kind: 'dir', mode: 0o755, uid: 0, gid: 0, size: 0 }, layer: 0, children: new Map() };
  records.forEach((record, layer) => {
    const entries = [...record.entries].sort(compareEntries);
    for (const e of entries) {
      if (e.kind === 'opaque') lookup(root, e.path)?.children?.clear();
      else if (e.kind === 'whiteout') lookup(root, parentOf(e.path))?.children?.delete(baseOf(e.path));
    }
    for (const e of entries) {
      if (e.kind === 'opaque' || e.kind === 'whiteout') continue;
      if (e.path === ROOT_PATH) {
        root.entry = e;
        root.layer = layer;
        continue;
      }
      const parent = lookup(root, parentOf(e.path));
      if (parent?.children == null) {
        throw new SkiffError('TREE_CORRUPT', `layer ${layer} of the image lists ${e.path} under something that is not a directory`, {
          hint: 'run `skiff image gc` so the layer trees are rendered again',
        });
      }
      const existing = parent.children.get(baseOf(e.path));
      if (e.kind === 'dir' && existing?.children != null) {
        // Directories merge; the upper one's attributes are the ones shown.
        existing.entry = e;
        existing.layer = layer;
      } else {
        parent.children.set(baseOf(e.path), { entry: e, layer, children: e.kind === 'dir' ? new Map() : null });
      }
    }
  });
  return root;
}

/**
 * Writes the merged tree of `layerRoots` (bottom → top, each with its record) into `dest`, an
 * existing empty directory. Returns the listing of the result.
 */
export function flattenLayerTrees(
  layerRoots: readonly string[],
  layerRecords: readonly TreeRecord[],
  dest: string,
  host: Host,
  opts: FlattenOptions = {},
): TreeEntry[] {
  if (layerRoots.length !== layerRecords.length) {
    throw new SkiffError('INTERNAL', `flattening ${layerRoots.length} layer trees with ${layerRecords.length} records`);
  }
  const preserve = opts.preserveOwnership ?? host.geteuid() === 0;
  const root = mergeRecords(layerRecords);
  const out: TreeEntry[] = [];
  const dirs: Array<{ abs: string; st: fs.Stats }> = [];
  const hardlinks: Array<{ node: Node; rel: string }> = [];
  const copied = new Set<string>();
  const destRoot = path.resolve(dest);
  const srcOf = (node: Node, rel: string): string => path.join(layerRoots[node.layer] as string, rel);
  const dstOf = (rel: string): string => (rel === ROOT_PATH ? destRoot : `${destRoot}/${rel}`);

  const finish = (abs: string, st: fs.Stats, isLink: boolean): void => {
    if (preserve) fs.lchownSync(abs, st.uid, st.gid);
    if (!isLink) fs.chmodSync(abs, st.mode & 0o7777);
    // Seconds as a double keep sub-microsecond precision; Date objects would round to the ms.
    fs.lutimesSync(abs, st.atimeMs / 1000, st.mtimeMs / 1000);
  };

  const place = (node: Node, rel: string): void => {
    const e = node.entry;
    if (e.kind === 'hardlink') {
      hardlinks.push({ node, rel });
      return;
    }
    const src = srcOf(node, rel);
    const dst = dstOf(rel);
    const st = fs.lstatSync(src);
    switch (e.kind) {
      case 'dir':
        if (rel !== ROOT_PATH) fs.mkdirSync(dst, 0o700);
        dirs.push({ abs: dst, st });
        break;
      case 'file':
        fs.copyFileSync(src, dst, fs.constants.COPYFILE_FICLONE);
        finish(dst, st, false);
        copied.add(rel);
        break;
      case 'symlink':
        fs.symlinkSync(fs.readlinkSync(src), dst);
        finish(dst, st, true);
        break;
      default: {
        if (!preserve) return;
        const type = e.kind === 'char' ? 'c' : e.kind === 'block' ? 'b' : 'p';
        const args = ['-m', (st.mode & 0o7777).toString(8), dst, type];
        if (type !== 'p') args.push(String(e.devmajor ?? 0), String(e.devminor ?? 0));
        host.run('mknod', args);
        finish(dst, st, true);
      }
    }
    out.push({ ...e, path: rel });
    if (node.children === null) return;
    for (const [name, child] of node.children) place(child, rel === ROOT_PATH ? name : `${rel}/${name}`);
  };

  try {
    place(root, ROOT_PATH);
    // A hard link stays one only when its target is still the same layer's file in the merged
    // view; otherwise it becomes a copy of the inode it named in its own layer.
    for (const { node, rel } of hardlinks) {
      const target = node.entry.linkname ?? '';
      const tnode = lookup(root, target);
      if (tnode !== undefined && tnode.layer === node.layer && copied.has(target)) {
        fs.linkSync(dstOf(target), dstOf(rel));
        out.push({ ...node.entry, path: rel });
      } else {
        const st = fs.lstatSync(srcOf(node, rel));
        fs.copyFileSync(srcOf(node, rel), dstOf(rel), fs.constants.COPYFILE_FICLONE);
        finish(dstOf(rel), st, false);
        out.push({ path: rel, kind: 'file', mode: node.entry.mode, uid: node.entry.uid, gid: node.entry.gid, size: st.size });
      }
      copied.add(rel);
    }
    // Directory attributes last and deepest first, as in extraction.
    for (const { abs, st } of dirs.reverse()) finish(abs, st, false);
  } catch (err) {
    throw err instanceof SkiffError ? err : wrap(err, `flattening ${layerRoots.length} layer trees into ${dest}`);
  }
  return out.sort(compareEntries);
}
