// Flattens rendered OCI layer trees into one plain directory equal to what overlayfs shows when
// they are stacked (for --no-overlay and `image render`). What hides what is taken from the
// tree records, not from whiteout devices and xattrs on disk: the records are verified data,
// and reading trusted.* xattrs needs privileges and a tool per directory.
//
// Files are copied, never hard-linked into the layers: a pod writes to its root, and a shared
// inode would carry that write back into the store. Where the filesystem can share extents
// copy-on-write, the copy is a reflink (copy-file.ts).
import fs from 'node:fs';
import path from 'node:path';
import { SkiffError, wrap } from '../../common/errors.ts';
import type { Host } from '../../common/host.ts';
import { compareEntries, ROOT_PATH } from './tree-entry.ts';
import type { TreeEntry, TreeRecord } from './tree-entry.ts';
import { FileCopier } from './copy-file.ts';

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

/** Writes a merged view into an empty directory, parents before children. */
class Flattener {
  readonly out: TreeEntry[] = [];
  private readonly dirs: Array<{ abs: string; st: fs.Stats }> = [];
  private readonly hardlinks: Array<{ node: Node; rel: string }> = [];
  private readonly copied = new Set<string>();
  private readonly copier = new FileCopier();
  private readonly roots: readonly string[];
  private readonly destRoot: string;
  private readonly host: Host;
  private readonly preserve: boolean;
  private readonly uid = process.geteuid?.() ?? -1;
  private readonly gid = process.getegid?.() ?? -1;

  constructor(roots: readonly string[], dest: string, host: Host, preserve: boolean) {
    this.roots = roots;
    this.destRoot = path.resolve(dest);
    this.host = host;
    this.preserve = preserve;
  }

  run(root: Node): void {
    this.place(root, ROOT_PATH);
    for (const { node, rel } of this.hardlinks) this.placeHardlink(root, node, rel);
    // Directory attributes last and deepest first, as in extraction.
    for (const { abs, st } of this.dirs.reverse()) {
      this.chown(abs, st);
      fs.chmodSync(abs, st.mode & 0o7777);
      fs.utimesSync(abs, st.atimeMs / 1000, st.mtimeMs / 1000);
    }
  }

  private srcOf(node: Node, rel: string): string {
    return path.join(this.roots[node.layer] as string, rel);
  }

  private dstOf(rel: string): string {
    return rel === ROOT_PATH ? this.destRoot : `${this.destRoot}/${rel}`;
  }

  /**
   * Everything is created by us, in directories still owned by us (their owners are set
   * last), so only a source owned by someone else needs a chown: one syscall saved per file
   * of a root-owned image.
   */
  private ownerOf(st: fs.Stats): { uid: number; gid: number } | null {
    return this.preserve && (st.uid !== this.uid || st.gid !== this.gid) ? { uid: st.uid, gid: st.gid } : null;
  }

  private chown(abs: string, st: fs.Stats): void {
    const owner = this.ownerOf(st);
    if (owner !== null) fs.lchownSync(abs, owner.uid, owner.gid);
  }

  private copy(src: string, dst: string, st: fs.Stats): void {
    this.copier.copy(src, dst, { mode: st.mode, owner: this.ownerOf(st), atimeMs: st.atimeMs, mtimeMs: st.mtimeMs });
  }

  private place(node: Node, rel: string): void {
    const e = node.entry;
    if (e.kind === 'hardlink') {
      this.hardlinks.push({ node, rel });
      return;
    }
    const src = this.srcOf(node, rel);
    const dst = this.dstOf(rel);
    const st = fs.lstatSync(src);
    if (e.kind === 'dir') {
      if (rel !== ROOT_PATH) fs.mkdirSync(dst, 0o700);
      this.dirs.push({ abs: dst, st });
    } else if (e.kind === 'file') {
      this.copy(src, dst, st);
      this.copied.add(rel);
    } else if (e.kind === 'symlink') {
      fs.symlinkSync(fs.readlinkSync(src), dst);
      this.chown(dst, st);
      fs.lutimesSync(dst, st.atimeMs / 1000, st.mtimeMs / 1000);
    } else {
      if (!this.preserve) return;
      const type = e.kind === 'char' ? 'c' : e.kind === 'block' ? 'b' : 'p';
      const args = ['-m', (st.mode & 0o7777).toString(8), dst, type];
      if (type !== 'p') args.push(String(e.devmajor ?? 0), String(e.devminor ?? 0));
      this.host.run('mknod', args);
      this.chown(dst, st);
      fs.lutimesSync(dst, st.atimeMs / 1000, st.mtimeMs / 1000);
    }
    this.out.push({ ...e, path: rel });
    if (node.children === null) return;
    for (const [name, child] of node.children) this.place(child, rel === ROOT_PATH ? name : `${rel}/${name}`);
  }

  /**
   * A hard link stays one only when its target is still the same layer's file in the merged
   * view; otherwise it becomes a copy of the inode it named in its own layer.
   */
  private placeHardlink(root: Node, node: Node, rel: string): void {
    const target = node.entry.linkname ?? '';
    const tnode = lookup(root, target);
    if (tnode !== undefined && tnode.layer === node.layer && this.copied.has(target)) {
      fs.linkSync(this.dstOf(target), this.dstOf(rel));
      this.out.push({ ...node.entry, path: rel });
    } else {
      const st = fs.lstatSync(this.srcOf(node, rel));
      this.copy(this.srcOf(node, rel), this.dstOf(rel), st);
      this.out.push({ path: rel, kind: 'file', mode: node.entry.mode, uid: node.entry.uid, gid: node.entry.gid, size: st.size });
    }
    this.copied.add(rel);
  }
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
  const flattener = new Flattener(layerRoots, dest, host, opts.preserveOwnership ?? host.geteuid() === 0);
  try {
    flattener.run(mergeRecords(layerRecords));
  } catch (err) {
    throw err instanceof SkiffError ? err : wrap(err, `flattening ${layerRoots.length} layer trees into ${dest}`);
  }
  return flattener.out.sort(compareEntries);
}
