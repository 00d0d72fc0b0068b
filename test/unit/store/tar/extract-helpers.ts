// Shared set-up for the extraction tests: every archive is extracted into `dest` inside a fresh
// sandbox, so a test can prove nothing landed beside dest.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLinuxHost } from '../../../../common/host-linux.ts';
import type { Host } from '../../../../common/host.ts';
import { isSkiffError } from '../../../../common/errors.ts';
import type { ErrorCode } from '../../../../common/errors.ts';
import { extractTar } from '../../../../store/tar/extract-tree.ts';
import type { ExtractOptions, ExtractResult } from '../../../../store/tar/extract-tree.ts';
import { streamOf } from '../../../helpers/tar-builder.ts';

export const isRoot = process.geteuid?.() === 0;

export interface Sandbox {
  dir: string;
  dest: string;
  /** A sibling of dest that hostile archives aim at. */
  outside: string;
}

export function makeSandbox(): Sandbox {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-tar-'));
  const dest = path.join(dir, 'dest');
  const outside = path.join(dir, 'outside');
  fs.mkdirSync(dest);
  fs.mkdirSync(outside);
  return { dir, dest, outside };
}

/** Removes a sandbox even when it holds read-only directories and we are not root. */
export function removeSandbox(sb: Sandbox): void {
  const makeWritable = (dir: string): void => {
    fs.chmodSync(dir, 0o700);
    for (const d of fs.readdirSync(dir, { withFileTypes: true })) if (d.isDirectory()) makeWritable(path.join(dir, d.name));
  };
  makeWritable(sb.dir);
  fs.rmSync(sb.dir, { recursive: true, force: true });
}

/** Proves an extraction left nothing outside dest. */
export function assertNothingOutside(sb: Sandbox): void {
  assert.deepEqual(fs.readdirSync(sb.dir).sort(), ['dest', 'outside']);
  assert.deepEqual(fs.readdirSync(sb.outside), []);
}

/** The real host, with a log of every tool run. */
export function recordingHost(): Host & { calls: string[][] } {
  const real = createLinuxHost();
  const calls: string[][] = [];
  return {
    ...real,
    calls,
    run(file, args, opts) {
      calls.push([file, ...args]);
      return real.run(file, args, opts);
    },
  };
}

export async function extractInto(
  sb: Sandbox,
  tar: Buffer,
  opts: Partial<ExtractOptions> = {},
  chunkSize = 1000,
): Promise<ExtractResult> {
  // Odd-sized chunks, so headers and bodies straddle chunk boundaries.
  return extractTar(streamOf(tar, chunkSize), {
    dest: sb.dest,
    whiteouts: 'keep',
    limits: { maxImageBytes: 1024 ** 3, maxEntries: 100_000 },
    preserveOwnership: isRoot,
    host: createLinuxHost(),
    ...opts,
  });
}

export async function assertRejects(promise: Promise<unknown>, code: ErrorCode, message?: RegExp): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(isSkiffError(err), `expected a SkiffError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    if (message) assert.match(err.message, message);
    return true;
  });
}

export function kindsOf(result: ExtractResult): Record<string, string> {
  return Object.fromEntries(result.entries.map((e) => [e.path, e.kind]));
}

function kindOfStat(st: fs.Stats): string {
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isCharacterDevice()) return st.rdev === 0 ? 'whiteout' : 'char';
  if (st.isBlockDevice()) return 'block';
  if (st.isFIFO()) return 'fifo';
  return 'file';
}

/** What is on disk, by path, to hold against a returned listing. */
export function diskListing(root: string): Record<string, string> {
  const out: Record<string, string> = { '.': 'dir' };
  const walk = (rel: string): void => {
    for (const name of fs.readdirSync(path.join(root, rel)).sort()) {
      const child = rel === '' ? name : `${rel}/${name}`;
      const st = fs.lstatSync(path.join(root, child));
      out[child] = kindOfStat(st);
      if (st.isDirectory()) walk(child);
    }
  };
  walk('');
  return out;
}
