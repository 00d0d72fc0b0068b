// Real test images for integration tests and benchmarks: ACIs, OCI layouts, OCI archives and
// docker-archives, made with the tools people make them with (GNU tar, gzip/bzip2/xz, umoci,
// skopeo) and never with skiff's code, so an image skiff reads is not shaped by skiff's idea of
// the format; plus a reference rendering (`umoci unpack`) and compareTrees to check skiff's
// renderer against it. The builders live in test/fixtures/images/ (what each one writes, and the
// tools' quirks, are in its README.md); import them from here.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export { missingTools, runTool, skipUnlessTools } from '../fixtures/images/run-tool.ts';
export type { FileEntry, FileSpec } from '../fixtures/images/write-tree.ts';
export { buildBusyboxRootfs } from '../fixtures/images/busybox-rootfs.ts';
export { aciManifest, buildAci } from '../fixtures/images/aci.ts';
export type { AciCompression, AciMountPoint, AciOptions, AciPort } from '../fixtures/images/aci.ts';
export { buildOciLayout, ociLayoutToTar, umociUnpackRootfs } from '../fixtures/images/oci-layout.ts';
export type { LayerChanges, LayerSpec, OciConfig, OciLayoutOptions, RootfsEdit } from '../fixtures/images/oci-layout.ts';
export { MULTI_LAYER_PATHS, buildMultiLayerOci, multiLayerSpec } from '../fixtures/images/multi-layer.ts';
export { DEFAULT_DOCKER_NAME, buildDockerArchive } from '../fixtures/images/docker-archive.ts';
export type { DockerArchiveExtra, DockerArchiveSource } from '../fixtures/images/docker-archive.ts';

export interface CompareOptions {
  /** Also compare mtimes (whole seconds) of everything but directories. Default false. */
  mtimes?: boolean;
  /** Image paths ('/proc') skipped with everything below them. */
  ignore?: readonly string[];
}

function walkTree(root: string, ignore: ReadonlySet<string>): Map<string, fs.Stats> {
  const found = new Map<string, fs.Stats>();
  const visit = (rel: string): void => {
    if (ignore.has(rel)) return;
    const st = fs.lstatSync(path.join(root, rel));
    found.set(rel, st);
    if (!st.isDirectory()) return;
    for (const name of fs.readdirSync(path.join(root, rel)).sort()) visit(path.posix.join(rel, name));
  };
  visit('/');
  return found;
}

function kindOf(st: fs.Stats): string {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isCharacterDevice()) return 'char-device';
  if (st.isBlockDevice()) return 'block-device';
  if (st.isFIFO()) return 'fifo';
  return 'socket';
}

function hashFile(file: string): string {
  const hash = createHash('sha256');
  const buf = Buffer.allocUnsafe(1 << 20);
  const fd = fs.openSync(file, 'r');
  try {
    for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0;) hash.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

const octal = (mode: number): string => '0' + (mode & 0o7777).toString(8).padStart(3, '0');

function compareEntry(rel: string, a: string, b: string, x: fs.Stats, y: fs.Stats, opts: CompareOptions): string[] {
  const diffs: string[] = [];
  const kind = kindOf(x);
  if (kind !== kindOf(y)) return [`${rel}: type ${kind} != ${kindOf(y)}`];
  if (kind !== 'symlink' && (x.mode & 0o7777) !== (y.mode & 0o7777)) {
    diffs.push(`${rel}: mode ${octal(x.mode)} != ${octal(y.mode)}`);
  }
  if (x.uid !== y.uid || x.gid !== y.gid) diffs.push(`${rel}: owner ${x.uid}:${x.gid} != ${y.uid}:${y.gid}`);
  if (kind === 'file') {
    if (x.size !== y.size) diffs.push(`${rel}: size ${x.size} != ${y.size}`);
    else if (hashFile(path.join(a, rel)) !== hashFile(path.join(b, rel))) diffs.push(`${rel}: content differs`);
  }
  if (kind === 'symlink') {
    const [ta, tb] = [fs.readlinkSync(path.join(a, rel)), fs.readlinkSync(path.join(b, rel))];
    if (ta !== tb) diffs.push(`${rel}: symlink target ${JSON.stringify(ta)} != ${JSON.stringify(tb)}`);
  }
  if ((kind === 'char-device' || kind === 'block-device') && x.rdev !== y.rdev) {
    diffs.push(`${rel}: device ${x.rdev} != ${y.rdev}`);
  }
  if (opts.mtimes && kind !== 'dir' && Math.floor(x.mtimeMs / 1000) !== Math.floor(y.mtimeMs / 1000)) {
    diffs.push(`${rel}: mtime ${x.mtime.toISOString()} != ${y.mtime.toISOString()}`);
  }
  return diffs;
}

/**
 * Differences between tree `a` (the expected one) and tree `b`, one line each, paths as image
 * paths ('/' is the root itself): `missing /p` (in a only), `extra /p` (in b only), then per path
 * type, mode (with setuid/setgid/sticky), owner, size, content (sha256), symlink target and
 * device number. Hard-link grouping, xattrs and directory mtimes are ignored. Empty = same.
 */
export function compareTrees(a: string, b: string, opts: CompareOptions = {}): string[] {
  const ignore = new Set(opts.ignore ?? []);
  const left = walkTree(a, ignore);
  const right = walkTree(b, ignore);
  const diffs: string[] = [];
  for (const rel of [...new Set([...left.keys(), ...right.keys()])].sort()) {
    const x = left.get(rel);
    const y = right.get(rel);
    if (!y) diffs.push(`missing ${rel}`);
    else if (!x) diffs.push(`extra ${rel}`);
    else diffs.push(...compareEntry(rel, a, b, x, y, opts));
  }
  return diffs;
}
