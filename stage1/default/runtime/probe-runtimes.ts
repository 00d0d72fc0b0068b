// Finds the OCI runtimes on the host: crun and runc on PATH (and the usual sbin directories,
// where Debian's runc lives), plus any runtime asked for by name or path, each with what its
// `--version` says. chooseRuntime() then picks among them.
import fs from 'node:fs';
import path from 'node:path';
import type { Host } from '../../../common/host.ts';
import { KNOWN_RUNTIMES } from './choose-runtime.ts';
import type { RuntimeInfo } from './choose-runtime.ts';

/** Searched after PATH: stage1 may run with a PATH that leaves out sbin. */
export const RUNTIME_FALLBACK_DIRS: readonly string[] = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

export interface ProbeRuntimesOptions {
  pathEnv?: string;
  /** Also look for these: a runtime name (`runsc`) or an absolute path, e.g. --stage1-runtime's value. */
  extra?: readonly string[];
  fallbackDirs?: readonly string[];
  /**
   * Ask the runtimes found by their usual name (crun, runc) for `--version` (default true).
   * Each ask is a process start (~15 ms for runc) on every pod's start-up path, and the
   * version is only shown under --debug; a runtime named by path is always asked, since
   * its answer is how it is recognised.
   */
  versions?: boolean;
}

/** `crun version 1.8.1` / `runc version 1.1.5+ds1` / `runsc version release-…` → kind and version. */
export function parseRuntimeVersion(output: string): { kind?: string; version: string } {
  const m = /^([A-Za-z][\w-]*) version (\S+)/m.exec(output);
  return m ? { kind: m[1]!.toLowerCase(), version: m[2]! } : { version: '' };
}

function isExecutableFile(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function findOnPath(name: string, dirs: readonly string[]): string | undefined {
  for (const dir of dirs) {
    const file = path.join(dir, name);
    if (isExecutableFile(file)) return file;
  }
  return undefined;
}

function describeRuntime(host: Pick<Host, 'run'>, file: string, fallbackName: string, ask: boolean): RuntimeInfo {
  if (!ask) return { name: fallbackName, path: file, version: '' };
  let output = '';
  try {
    output = host.run(file, ['--version']).stdout;
  } catch {
    // A runtime that cannot say its version may still run containers; the name will do.
  }
  const { kind, version } = parseRuntimeVersion(output);
  return { name: kind ?? fallbackName, path: file, version };
}

export function probeRuntimes(host: Pick<Host, 'run'>, opts: ProbeRuntimesOptions = {}): RuntimeInfo[] {
  const pathDirs = (opts.pathEnv ?? process.env.PATH ?? '').split(':').filter((d) => d.startsWith('/'));
  const dirs = [...new Set([...pathDirs, ...(opts.fallbackDirs ?? RUNTIME_FALLBACK_DIRS)])];
  const found: RuntimeInfo[] = [];
  const seen = new Set<string>();
  const add = (file: string | undefined, name: string, ask: boolean): void => {
    if (file === undefined || seen.has(file)) return;
    seen.add(file);
    found.push(describeRuntime(host, file, name, ask));
  };
  const versions = opts.versions ?? true;
  for (const { name } of KNOWN_RUNTIMES) add(findOnPath(name, dirs), name, versions);
  for (const want of opts.extra ?? []) {
    if (want.startsWith('/')) add(isExecutableFile(want) ? want : undefined, path.basename(want), true);
    else if (!want.includes('/') && want !== '') add(findOnPath(want, dirs), want, versions);
  }
  return found;
}
