// Running the built CLI (bin/skiff) from integration tests, each against its own data dir, and
// looking at the data dir from outside: a test asserts what a user would see (exit status, one
// stderr line, stdout) and what is on disk, never skiff's internals.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SKIFF_BIN = path.join(REPO_ROOT, 'bin', 'skiff');

export interface RunOptions {
  /** Passed as `--dir`; without it the command runs with no `--dir` (e.g. `--help`). */
  dataDir?: string;
  /** Added to (and overriding) the test process's environment. */
  env?: Record<string, string | undefined>;
  /** Written to stdin, which is then closed; stdin is /dev/null otherwise. */
  input?: string | Buffer;
  /** Kill the command (SIGKILL) after this long and reject. Default 120 s. */
  timeoutMs?: number;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Started {
  pid: number;
  /** Sends a signal to the launcher's process (Node: bin/skiff execs it, so the pid is Node's). */
  kill(signal: NodeJS.Signals): void;
  done: Promise<RunResult>;
}

function argvFor(args: readonly string[], opts: RunOptions): string[] {
  return opts.dataDir === undefined ? [...args] : ['--dir', opts.dataDir, ...args];
}

/** Starts bin/skiff without waiting for it (for kill -9 tests and parallel runs). */
export function startSkiff(args: readonly string[], opts: RunOptions = {}): Started {
  const child = spawn(SKIFF_BIN, argvFor(args, opts), {
    env: { ...process.env, ...opts.env },
    stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout?.on('data', (d: Buffer) => out.push(d));
  child.stderr?.on('data', (d: Buffer) => err.push(d));
  if (opts.input !== undefined) child.stdin?.end(opts.input);
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const done = new Promise<RunResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`skiff ${args.join(' ')} did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
  if (child.pid === undefined) throw new Error(`cannot start ${SKIFF_BIN}`);
  return { pid: child.pid, kill: (signal) => void child.kill(signal), done };
}

/** Runs `bin/skiff [--dir DATA] ARGS…` to completion. */
export function runSkiff(args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return startSkiff(args, opts).done;
}

/** Non-empty stdout lines (image IDs, UUIDs). */
export function lines(text: string): string[] {
  return text.split('\n').filter((l) => l.length > 0);
}

/**
 * What a failed command must look like (DESIGN "Errors"): exit 1 and exactly one stderr line,
 * `skiff: …`, no stack trace. Returns that line for further checks.
 */
export function expectOneErrorLine(res: RunResult, what = 'command'): string {
  const errLines = lines(res.stderr);
  const detail = `${what}: exit ${res.code}, stderr:\n${res.stderr}\nstdout:\n${res.stdout}`;
  if (res.code !== 1) throw new Error(`expected exit 1 — ${detail}`);
  if (errLines.length !== 1 || !errLines[0]!.startsWith('skiff: ')) {
    throw new Error(`expected exactly one "skiff: " line on stderr — ${detail}`);
  }
  if (/\n\s+at /.test(res.stderr)) throw new Error(`stack trace on stderr — ${detail}`);
  return errLines[0]!;
}

export interface TempDir extends Disposable {
  readonly path: string;
  cleanup(): void;
}

/** A fresh directory under the OS temp dir; `using` or cleanup() removes it (mounts are not expected). */
export function tempDir(prefix = 'skiff-it-'): TempDir {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const cleanup = (): void => fs.rmSync(dir, { recursive: true, force: true });
  return { path: dir, cleanup, [Symbol.dispose]: cleanup };
}

/** A fresh, not yet initialised skiff data dir (skiff creates its layout on first fetch). */
export function tempDataDir(): TempDir {
  const parent = tempDir('skiff-data-');
  const dir = path.join(parent.path, 'data');
  return { path: dir, cleanup: parent.cleanup, [Symbol.dispose]: parent.cleanup };
}

/**
 * Every path under `dir` (relative, sorted) with what identifies it: `path/` for directories,
 * `path size` for files, `path -> target` for symlinks. store.lock is left out (it is created by
 * any command that takes the lock). Equal snapshots = the store is as it was.
 */
export function storeSnapshot(dir: string): string[] {
  const out: string[] = [];
  if (!fs.existsSync(dir)) return out;
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const abs = path.join(e.parentPath, e.name);
    const rel = path.relative(dir, abs);
    if (rel === 'store.lock') continue;
    if (e.isDirectory()) out.push(`${rel}/`);
    else if (e.isSymbolicLink()) out.push(`${rel} -> ${fs.readlinkSync(abs)}`);
    else out.push(`${rel} ${fs.lstatSync(abs).size}`);
  }
  return out.sort();
}

/** Hex digest of a file, read in 1 MiB pieces. */
export function hashFile(file: string, algo: 'sha256' | 'sha512'): string {
  const hash = createHash(algo);
  const buf = Buffer.allocUnsafe(1 << 20);
  const fd = fs.openSync(file, 'r');
  try {
    for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0; ) hash.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest('hex');
}

/** `false`, or why an integration test must be skipped: not root, or bin/skiff not built. */
export function skipUnlessRootAndBuilt(): string | false {
  if (process.getuid?.() !== 0) return 'needs root (integration test)';
  if (!fs.existsSync(path.join(REPO_ROOT, 'dist', 'skiff.mjs'))) return 'skiff is not built (run node scripts/build.ts)';
  return false;
}

/** `skiff --insecure-options=image fetch REFS…` that must succeed; returns the printed IDs. */
export async function fetchOk(dataDir: string, refs: readonly string[], extra: readonly string[] = []): Promise<string[]> {
  const res = await runSkiff(['--insecure-options=image', ...extra, 'fetch', ...refs], { dataDir });
  if (res.code !== 0) throw new Error(`skiff fetch ${refs.join(' ')} failed (${res.code}): ${res.stderr}`);
  return lines(res.stdout);
}

/** A command that must succeed; returns its stdout. */
export async function skiffOk(dataDir: string | undefined, args: readonly string[]): Promise<string> {
  const res = await runSkiff(args, dataDir === undefined ? {} : { dataDir });
  if (res.code !== 0) throw new Error(`skiff ${args.join(' ')} failed (${res.code}): ${res.stderr}`);
  return res.stdout;
}

/** The image records (images/*.json) as skiff wrote them (docs/on-disk-format.md). */
export function readImageRecords(dataDir: string): Array<Record<string, unknown> & { id: string; trees: string[]; blobs: string[] }> {
  const dir = path.join(dataDir, 'images');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.json') && !n.startsWith('.'))
    .sort()
    .map((n) => JSON.parse(fs.readFileSync(path.join(dir, n), 'utf8')) as Record<string, unknown> & { id: string; trees: string[]; blobs: string[] });
}

/** Files under cas/blobs whose content does not hash to their name (empty = every blob is what it claims). */
export function badBlobs(dataDir: string): string[] {
  const bad: string[] = [];
  for (const algo of ['sha256', 'sha512'] as const) {
    const dir = path.join(dataDir, 'cas', 'blobs', algo);
    if (!fs.existsSync(dir)) continue;
    for (const name of fs.readdirSync(dir)) {
      if (hashFile(path.join(dir, name), algo) !== name) bad.push(`${algo}/${name}`);
    }
  }
  return bad;
}

/** Names in a directory, sorted ([] when it does not exist). */
export function namesIn(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
}
