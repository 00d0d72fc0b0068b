// Builds the C helpers with the system's C compiler: native/skiff-sys.c → dist/native/skiff-sys.node
// (with the Node-API headers from npm, node-api-headers) and native/skiff-runtime-exec.c →
// dist/native/skiff-runtime-exec. Both are optional: without a compiler the build says so and
// skiff runs flock(1) and mount(8) (common/native-sys.ts), and the default stage1 unshare(1)
// and mount(8) before crun (stage1/default/runtime/runtime-record.ts).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** Compiles `source` into `out` (through a temp file: a half-built file is never there). */
function compile(cc: string, args: readonly string[], source: string, out: string): string | undefined {
  const tmp = `${out}.${process.pid}.tmp`;
  const res = spawnSync(cc, [...args, '-O2', '-Wall', '-Wextra', '-Werror', '-o', tmp, source], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (res.error || res.status !== 0) {
    fs.rmSync(tmp, { force: true });
    fs.rmSync(out, { force: true });
    return `${cc} ${res.error ? res.error.message : `exited ${res.status}`}`;
  }
  fs.renameSync(tmp, out);
  return undefined;
}

/**
 * The Node-API helper stage0 loads (dist/native/skiff-sys.node) and the default stage1's
 * runtime launcher (dist/native/skiff-runtime-exec, packed into its ACI): true if both built.
 */
export function buildNative(root: string, dist: string): boolean {
  const include = path.join(root, 'node_modules', 'node-api-headers', 'include');
  const outDir = path.join(dist, 'native');
  const cc = process.env.CC ?? 'cc';
  fs.mkdirSync(outDir, { recursive: true });
  const launcher = compile(cc, [], path.join(root, 'native', 'skiff-runtime-exec.c'), path.join(outDir, 'skiff-runtime-exec'));
  if (launcher) process.stderr.write(`build: no runtime launcher (${launcher}): the default stage1 starts crun through unshare(1) and mount(8)\n`);
  if (!fs.existsSync(path.join(include, 'node_api.h'))) {
    process.stderr.write('build: node-api-headers is not installed (npm ci): building without the C helper\n');
    return false;
  }
  const addon = compile(cc, ['-shared', '-fPIC', '-DNODE_GYP_MODULE_NAME=skiff_sys', '-DNAPI_VERSION=8', '-I', include], path.join(root, 'native', 'skiff-sys.c'), path.join(outDir, 'skiff-sys.node'));
  if (addon) process.stderr.write(`build: no C helper (${addon}): skiff will run flock(1) and mount(8)\n`);
  return launcher === undefined && addon === undefined;
}
