// What the pod integration tests share: fly pods run through bin/skiff against a throwaway data
// dir, busybox ACIs built once per file, and a cleanup that never deletes through a mount (a
// fly pod binds the host's /dev, /proc and /sys into its app root, and host volumes bind host
// directories: `rm -rf` across those would delete host files).
import { spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT, SKIFF_BIN, lines, runSkiff, skipUnlessRootAndBuilt, tempDir } from '../../helpers/cli.ts';
import type { RunOptions, RunResult, TempDir } from '../../helpers/cli.ts';
import { buildAci, buildBusyboxRootfs, skipUnlessTools } from '../../helpers/images.ts';
import type { AciOptions } from '../../helpers/images.ts';

export const FLY = '--stage1-name=fly';
export const INSECURE = '--insecure-options=image';
export const POD_STATE_DIRS = ['embryo', 'preparing', 'prepared', 'run', 'exited-garbage', 'garbage'] as const;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** `false`, or why the pod tests cannot run here. */
export function skipUnlessPods(): string | false {
  const base = skipUnlessRootAndBuilt() || skipUnlessTools('tar', 'busybox', 'flock', 'setpriv', 'unshare', 'umount');
  if (base) return base;
  if (!fs.existsSync(path.join(REPO_ROOT, 'dist', 'stage1-fly.aci'))) return 'dist/stage1-fly.aci is not built (node scripts/build.ts)';
  return false;
}

function unescapeMountPath(p: string): string {
  return p.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Mount points at or under `dir` in our mount namespace, in mountinfo order (parents first). */
export function mountsUnder(dir: string): string[] {
  const prefix = `${dir}/`;
  return fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((p): p is string => p !== undefined)
    .map(unescapeMountPath)
    .filter((p) => p === dir || p.startsWith(prefix));
}

/** Detaches everything mounted under `dir`, last mounted first; throws if anything is left. */
export function detachMountsUnder(dir: string): void {
  for (let pass = 0; pass < 5; pass++) {
    const points = mountsUnder(dir).reverse();
    if (points.length === 0) return;
    for (const p of points) spawnSync('umount', ['-l', p], { stdio: 'ignore' });
  }
  const left = mountsUnder(dir);
  if (left.length > 0) throw new Error(`cannot unmount ${left.join(', ')}`);
}

/** A fresh data dir (`DIR/data`) whose cleanup runs gc, detaches what is left and only then deletes. */
export function podDataDir(): TempDir {
  const parent = tempDir('skiff-pods-');
  const data = path.join(parent.path, 'data');
  const cleanup = (): void => {
    if (fs.existsSync(data)) spawnSync(SKIFF_BIN, ['--dir', data, 'gc', '--grace-period=0s'], { stdio: 'ignore', timeout: 60_000 });
    detachMountsUnder(parent.path);
    parent.cleanup();
  };
  return { path: data, cleanup, [Symbol.dispose]: cleanup };
}

/** Busybox ACIs sharing one rootfs built once (each ACI adds its own files and manifest). */
export class ImageMaker {
  readonly dir: string;
  private rootfs: string | undefined;
  private n = 0;
  constructor(dir: string) {
    this.dir = dir;
  }
  async aci(opts: Partial<AciOptions> & { name: string }): Promise<string> {
    this.rootfs ??= await buildBusyboxRootfs(path.join(this.dir, 'busybox-rootfs'));
    const out = path.join(this.dir, `image-${this.n++}.aci`);
    return buildAci(out, { compression: 'none', rootfsDir: this.rootfs, ...opts });
  }
}

/** `skiff --insecure-options=image run --stage1-name=fly WORDS…` (IMAGE and app options in WORDS). */
export function runFly(data: string, words: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return runSkiff([INSECURE, 'run', FLY, ...words], { dataDir: data, ...opts });
}

/** `skiff prepare --stage1-name=fly WORDS…` that must succeed; returns the UUID it printed. */
export async function prepareFly(data: string, words: readonly string[]): Promise<string> {
  const res = await runSkiff([INSECURE, 'prepare', FLY, ...words], { dataDir: data });
  assert.equal(res.code, 0, `prepare failed: ${res.stderr}`);
  const out = lines(res.stdout);
  assert.equal(out.length, 1, `prepare printed ${JSON.stringify(res.stdout)}`);
  assert.match(out[0]!, UUID_RE);
  return out[0]!;
}

/** `skiff status REF` as a key → value map. */
export async function statusOf(data: string, ref: string, extra: readonly string[] = []): Promise<Record<string, string>> {
  const res = await runSkiff(['status', ...extra, ref], { dataDir: data });
  assert.equal(res.code, 0, `status failed: ${res.stderr}`);
  return Object.fromEntries(lines(res.stdout).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

/** Every pod directory, as `state-dir/uuid`. */
export function podDirs(data: string): string[] {
  const out: string[] = [];
  for (const state of POD_STATE_DIRS) {
    const dir = path.join(data, 'pods', state);
    if (!fs.existsSync(dir)) continue;
    for (const name of fs.readdirSync(dir).sort()) out.push(`${state}/${name}`);
  }
  return out;
}

/** Pod directories of one pod (normally one entry; none once it is deleted). */
export function dirsOf(data: string, uuid: string): string[] {
  return podDirs(data).filter((d) => d.endsWith(`/${uuid}`));
}

/** Polls `check` every 25 ms until it returns a value other than undefined, or fails after `ms`. */
export async function waitFor<T>(what: string, check: () => T | undefined | Promise<T | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Exactly one stderr line, starting with one of the prefixes; returns it. */
export function oneLine(res: RunResult, prefix: RegExp = /^skiff(-stage1)?: /): string {
  const errLines = lines(res.stderr);
  assert.equal(errLines.length, 1, `expected one stderr line, got:\n${res.stderr}`);
  assert.match(errLines[0]!, prefix);
  assert.doesNotMatch(res.stderr, /\n\s+at /, 'no stack trace');
  return errLines[0]!;
}
