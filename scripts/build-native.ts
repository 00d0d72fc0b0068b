// Builds the C helper (native/skiff-sys.c → dist/native/skiff-sys.node) with the system's C
// compiler and the Node-API headers from npm (node-api-headers). It is optional: without a
// compiler the build says so and skiff runs flock(1) and mount(8) instead (common/native-sys.ts).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export function buildNative(root: string, dist: string): boolean {
  const source = path.join(root, 'native', 'skiff-sys.c');
  const include = path.join(root, 'node_modules', 'node-api-headers', 'include');
  const outDir = path.join(dist, 'native');
  const out = path.join(outDir, 'skiff-sys.node');
  const cc = process.env.CC ?? 'cc';
  if (!fs.existsSync(path.join(include, 'node_api.h'))) {
    process.stderr.write('build: node-api-headers is not installed (npm ci): building without the C helper\n');
    return false;
  }
  fs.mkdirSync(outDir, { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  const args = ['-shared', '-fPIC', '-O2', '-Wall', '-Wextra', '-Werror', '-DNODE_GYP_MODULE_NAME=skiff_sys', '-DNAPI_VERSION=8', '-I', include, '-o', tmp, source];
  const res = spawnSync(cc, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (res.error || res.status !== 0) {
    fs.rmSync(tmp, { force: true });
    fs.rmSync(out, { force: true });
    process.stderr.write(`build: no C helper (${cc} ${res.error ? res.error.message : `exited ${res.status}`}): skiff will run flock(1) and mount(8)\n`);
    return false;
  }
  fs.renameSync(tmp, out);
  return true;
}
