// Builds the benchmark images: one ~300 MB, ~9k-file tree (a busybox rootfs plus real files
// copied from this machine's /usr) packed as an ACI (plain and gzip), a 3-layer OCI layout and
// a plain tar, so extraction and rendering can be timed against GNU tar and umoci on the same
// bytes. Usage:
//   node bench/make-bench-images.ts OUT_DIR [--size-mb=300] [--files=9000] [--verify]
// OUT_DIR must be empty or absent (fresh directories also avoid ext4's slow create-after-delete).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import {
  buildAci, buildBusyboxRootfs, buildOciLayout, compareTrees, runTool, umociUnpackRootfs,
} from '../test/helpers/images.ts';

/** Where many small files come from (headers, data), then where the big ones do (libraries). */
const SMALL_ROOTS = ['/usr/include', '/usr/share', '/usr/lib'];
const LARGE_ROOTS = ['/usr/lib/x86_64-linux-gnu', '/usr/lib', '/usr/share'];
const SMALL_LIMIT = 64 * 1024;
const LARGE_LIMIT = 32 * 1024 * 1024;

interface Picked { rel: string; size: number }

/** Regular files and symlinks below root, depth-first in name order (deterministic). */
function* walk(root: string): Generator<{ abs: string; st: fs.Stats }> {
  let names: string[];
  try {
    names = fs.readdirSync(root).sort();
  } catch {
    return; // unreadable or absent: skip
  }
  for (const name of names) {
    const abs = path.join(root, name);
    const st = fs.lstatSync(abs, { throwIfNoEntry: false });
    if (!st) continue;
    if (st.isDirectory()) yield* walk(abs);
    else if (st.isFile() || st.isSymbolicLink()) yield { abs, st };
  }
}

/**
 * Picks files in two passes: small files (and symlinks) until ~97% of the file count or 40% of
 * the bytes, then large files until the byte target. Same machine, same selection.
 */
function selectFiles(targetBytes: number, targetFiles: number): Picked[] {
  const picked: Picked[] = [];
  const seen = new Set<string>();
  const inodes = new Set<string>(); // a hard-linked file counts once (and is copied once)
  let bytes = 0;
  const take = (abs: string, st: fs.Stats): void => {
    const inode = `${st.dev}:${st.ino}`;
    if (seen.has(abs) || inodes.has(inode)) return;
    seen.add(abs);
    inodes.add(inode);
    const size = st.isFile() ? st.size : 0;
    picked.push({ rel: abs.slice(1), size });
    bytes += size;
  };
  small: for (const root of SMALL_ROOTS) {
    for (const { abs, st } of walk(root)) {
      if (picked.length >= targetFiles * 0.97 || bytes >= targetBytes * 0.4) break small;
      if (st.size < SMALL_LIMIT) take(abs, st);
    }
  }
  large: for (const root of LARGE_ROOTS) {
    for (const { abs, st } of walk(root)) {
      if (bytes >= targetBytes) break large;
      if (st.isFile() && st.size >= SMALL_LIMIT && st.size <= LARGE_LIMIT) take(abs, st);
    }
  }
  return picked.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}

/** The paths plus every ancestor directory, parents first, as a NUL-separated tar -T list. */
function writeTarList(file: string, rels: readonly string[]): void {
  const all = new Set<string>();
  for (const rel of rels) {
    const parts = rel.split('/');
    for (let i = 1; i < parts.length; i++) all.add(parts.slice(0, i).join('/'));
    all.add(rel);
  }
  fs.writeFileSync(file, [...all].sort().join('\0') + '\0');
}

/** Copies the listed paths from `from` into `to`, with GNU tar (owners, modes, links, mtimes kept). */
async function copyListed(from: string, listFile: string, to: string): Promise<void> {
  const archive = `${listFile}.tar`;
  await runTool('tar', ['-C', from, '--no-recursion', '--null', '-T', listFile, '-cf', archive]);
  await runTool('tar', ['-C', to, '-xpf', archive]);
  fs.rmSync(archive);
}

/** Three contiguous runs of the sorted selection with about equal bytes each. */
function splitInThree(picked: readonly Picked[]): Picked[][] {
  const total = picked.reduce((n, p) => n + p.size, 0);
  const parts: Picked[][] = [[], [], []];
  let acc = 0;
  for (const p of picked) {
    parts[Math.min(2, Math.floor((acc * 3) / Math.max(total, 1)))]?.push(p);
    acc += p.size;
  }
  return parts;
}

function listTree(root: string): string[] {
  const out: string[] = [];
  const visit = (rel: string): void => {
    for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${e.name}` : e.name;
      out.push(child);
      if (e.isDirectory()) visit(child);
    }
  };
  visit('');
  return out;
}

const mb = (n: number): string => `${(n / 1e6).toFixed(1)} MB`;
const fileBytes = (p: string): number => {
  const st = fs.lstatSync(p);
  return st.isFile() ? st.size : 0;
};

export interface BenchImages {
  rootfs: string; plainTar: string; aciPlain: string; aciGzip: string; ociDir: string; ociTag: string;
  files: number; bytes: number;
}

export async function makeBenchImages(outDir: string, targetBytes: number, targetFiles: number): Promise<BenchImages> {
  if (fs.existsSync(outDir) && fs.readdirSync(outDir).length > 0) throw new Error(`${outDir} is not empty`);
  fs.mkdirSync(outDir, { recursive: true });
  const rootfs = await buildBusyboxRootfs(path.join(outDir, 'rootfs'));
  const base = listTree(rootfs);
  const picked = selectFiles(targetBytes, targetFiles);
  fs.writeFileSync(path.join(outDir, 'selection.txt'), picked.map((p) => `/${p.rel}\t${p.size}`).join('\n') + '\n');
  const all = path.join(outDir, 'list-all');
  writeTarList(all, picked.map((p) => p.rel));
  await copyListed('/', all, rootfs);
  fs.rmSync(all);

  const members = fs.readdirSync(rootfs).sort();
  const plainTar = path.join(outDir, 'bench.tar');
  await runTool('tar', ['--numeric-owner', '--sort=name', '-C', rootfs, '-cf', plainTar, '--', ...members]);
  const aci = { name: 'bench.skiff.dev/bench', version: '1', exec: ['/bin/true'], rootfsDir: rootfs };
  const aciPlain = await buildAci(path.join(outDir, 'bench-plain.aci'), { ...aci, compression: 'none' });
  const aciGzip = await buildAci(path.join(outDir, 'bench-gzip.aci'), { ...aci, compression: 'gzip' });

  // Layer 1 is the busybox base plus the first third; each later layer adds another third.
  const lists = splitInThree(picked).map((part, i) => {
    const file = path.join(outDir, `list-layer-${i + 1}`);
    writeTarList(file, [...(i === 0 ? base : []), ...part.map((p) => p.rel)]);
    return file;
  });
  const ociDir = path.join(outDir, 'oci');
  await buildOciLayout(ociDir, {
    tag: 'bench',
    layers: lists.map((list, i) => ({ comment: `bench part ${i + 1}`, edit: (r: string) => copyListed(rootfs, list, r) })),
    config: { Cmd: ['/bin/true'] },
  });
  for (const list of lists) fs.rmSync(list);
  return {
    rootfs, plainTar, aciPlain, aciGzip, ociDir, ociTag: 'bench',
    files: picked.length + base.length, bytes: picked.reduce((n, p) => n + p.size, 0),
  };
}

function dirBytes(dir: string): number {
  return listTree(dir).reduce((n, rel) => n + fileBytes(path.join(dir, rel)), 0);
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      'size-mb': { type: 'string', default: '300' },
      files: { type: 'string', default: '9000' },
      verify: { type: 'boolean' },
    },
  });
  const outDir = positionals[0];
  if (!outDir) throw new Error('usage: make-bench-images.ts OUT_DIR [--size-mb=300] [--files=9000] [--verify]');
  const started = Date.now();
  const r = await makeBenchImages(path.resolve(outDir), Number(values['size-mb']) * 1e6, Number(values.files));
  console.log(`built in ${((Date.now() - started) / 1000).toFixed(1)} s: ${r.files} entries, ${mb(r.bytes)} of copied files`);
  console.log(`  rootfs       ${r.rootfs}  (${mb(dirBytes(r.rootfs))})`);
  console.log(`  plain tar    ${r.plainTar}  (${mb(fileBytes(r.plainTar))})`);
  console.log(`  ACI, plain   ${r.aciPlain}  (${mb(fileBytes(r.aciPlain))})`);
  console.log(`  ACI, gzip    ${r.aciGzip}  (${mb(fileBytes(r.aciGzip))})`);
  console.log(`  OCI layout   ${r.ociDir}:${r.ociTag}  (${mb(dirBytes(r.ociDir))}, 3 gzip layers)`);
  console.log(`  file list    ${path.join(path.dirname(r.rootfs), 'selection.txt')}`);
  if (values.verify) {
    const ref = await umociUnpackRootfs(r.ociDir, r.ociTag, path.join(path.dirname(r.rootfs), 'umoci-unpacked'));
    const diffs = compareTrees(r.rootfs, ref);
    const shown = diffs.slice(0, 20).join('\n');
    console.log(diffs.length === 0 ? '  verify: umoci unpack == rootfs' : `  verify: ${diffs.length} differences\n${shown}`);
    fs.rmSync(path.dirname(ref), { recursive: true, force: true });
    if (diffs.length > 0) process.exitCode = 1;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) {
  main().catch((err: unknown) => {
    console.error(`make-bench-images: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  });
}
