// What the default stage1's integration tests share: `skiff run` through bin/skiff with the
// default stage1 (no --stage1-* flag) against a throwaway data dir, busybox ACIs, the pod's
// UUID from --uuid-file-save, the pod directory, the stage1 entrypoints stage0 has no command
// for yet (enter), and a look at the host for anything a pod left behind.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, runSkiff, skipUnlessRootAndBuilt, startSkiff, tempDir } from '../../helpers/cli.ts';
import type { RunOptions, RunResult, Started, TempDir } from '../../helpers/cli.ts';
import { missingTools } from '../../helpers/images.ts';
import { ImageMaker, podDataDir, waitFor } from '../pods/pod-helpers.ts';

export { ImageMaker, waitFor };
export const INSECURE = '--insecure-options=image';

/** `false`, or why the default stage1 cannot run here. */
export function skipUnlessDefaultStage1(): string | false {
  const base = skipUnlessRootAndBuilt();
  if (base) return base;
  if (!fs.existsSync(path.join(REPO_ROOT, 'dist', 'stage1-default.aci'))) return 'dist/stage1-default.aci is not built (node scripts/build.ts)';
  const missing = missingTools('runc', 'catatonit', 'unshare', 'ip', 'iptables', 'busybox', 'tar');
  if (missing.length > 0) return `missing tools: ${missing.join(', ')}`;
  if (!fs.existsSync('/usr/lib/cni/ptp')) return 'no CNI plugins in /usr/lib/cni (containernetworking-plugins)';
  return false;
}

export interface Env {
  tmp: TempDir;
  data: TempDir;
  images: ImageMaker;
  cleanup(): void;
}

export function makeEnv(prefix: string): Env {
  const tmp = tempDir(prefix);
  const data = podDataDir();
  return { tmp, data, images: new ImageMaker(tmp.path), cleanup: () => { data.cleanup(); tmp.cleanup(); } };
}

let uuidFiles = 0;

export interface PodRun extends RunResult {
  uuid: string;
}

/** `skiff --insecure-options=image run --uuid-file-save=F WORDS…` with the default stage1; returns the result and the UUID. */
export async function runPod(env: Env, words: readonly string[], opts: RunOptions = {}): Promise<PodRun> {
  const uuidFile = path.join(env.tmp.path, `uuid-${uuidFiles++}`);
  const res = await runSkiff([INSECURE, 'run', `--uuid-file-save=${uuidFile}`, ...words], { dataDir: env.data.path, ...opts });
  const uuid = fs.existsSync(uuidFile) ? fs.readFileSync(uuidFile, 'utf8').trim() : '';
  return { ...res, uuid };
}

/** Starts a pod in the background; resolves once its apps are started (the `started` file). */
export async function startPod(env: Env, words: readonly string[], opts: RunOptions = {}): Promise<{ uuid: string; dir: string; run: Started }> {
  const uuidFile = path.join(env.tmp.path, `uuid-${uuidFiles++}`);
  const run = startSkiff([INSECURE, 'run', `--uuid-file-save=${uuidFile}`, ...words], { dataDir: env.data.path, ...opts });
  const uuid = await waitFor('the pod UUID', () => (fs.existsSync(uuidFile) ? fs.readFileSync(uuidFile, 'utf8').trim() || undefined : undefined));
  const dir = podRunDir(env, uuid);
  await waitFor('the pod to start', () => (fs.existsSync(path.join(dir, 'started')) ? true : undefined), 20_000);
  return { uuid, dir, run };
}

export const podRunDir = (env: Env, uuid: string): string => path.join(env.data.path, 'pods', 'run', uuid);

/** What stage0's `enter` will do: run the stage1 enter entrypoint in the pod directory. */
export function enterPod(dir: string, uuid: string, options: readonly string[], command: readonly string[], input?: string): Promise<RunResult> {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'stage1', 'manifest'), 'utf8')) as { annotations: { name: string; value: string }[] };
  const entry = manifest.annotations.find((a) => a.name === 'skiff.dev/stage1/enter')!.value;
  const child = spawn(process.execPath, [path.join(dir, 'stage1', 'rootfs', entry), ...options, uuid, '--', ...command], {
    cwd: dir,
    stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (input !== undefined) child.stdin?.end(input);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

/** Lines of a pod app's output, trimmed, empty ones dropped. */
export const outLines = (text: string): string[] => text.split('\n').map((l) => l.trim()).filter(Boolean);

function sh(cmd: string): string {
  return spawnSync('/bin/sh', ['-c', cmd], { encoding: 'utf8' }).stdout;
}

/**
 * Anything of the pod left on the host: mounts, cgroups, processes (its sandbox carries the
 * pod's hostname on its command line), iptables rules and IPAM allocations naming it, routes
 * to its address, veths. Empty = nothing.
 */
export function leftovers(uuid: string, opts: { podIp?: string; afterGc?: boolean } = {}): string[] {
  const found: string[] = [];
  // Before gc, the roots stage0 mounted are still there (stage0's gc unmounts them); nothing else may be.
  const stage0s = (p: string): boolean => !opts.afterGc && /\/stage1\/rootfs(\/opt\/stage2\/[^/]+\/rootfs)?$/.test(p);
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const point = line.split(' ')[4] ?? '';
    if (line.includes(uuid) && !stage0s(point)) found.push(`mount: ${point}`);
  }
  for (const h of fs.readdirSync('/sys/fs/cgroup')) {
    if (fs.existsSync(path.join('/sys/fs/cgroup', h, 'skiff', uuid))) found.push(`cgroup: ${h}/skiff/${uuid}`);
  }
  for (const p of fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      if (fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(uuid)) found.push(`process ${p}: ${fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').replaceAll('\0', ' ')}`);
    } catch {
      // gone meanwhile
    }
  }
  for (const table of ['nat', 'filter']) {
    for (const rule of sh(`iptables -t ${table} -S`).split('\n')) if (rule.includes(uuid)) found.push(`iptables ${table}: ${rule}`);
  }
  const ipam = '/var/lib/cni/networks';
  if (fs.existsSync(ipam)) {
    for (const net of fs.readdirSync(ipam)) {
      for (const f of fs.readdirSync(path.join(ipam, net))) {
        const file = path.join(ipam, net, f);
        if (fs.statSync(file).isFile() && fs.readFileSync(file, 'utf8').includes(uuid)) found.push(`ipam: ${file}`);
      }
    }
  }
  if (opts.podIp) for (const r of sh('ip route').split('\n')) if (r.split(' ')[0] === opts.podIp) found.push(`route: ${r}`);
  return found;
}

export const vethCount = (): number => sh('ip -o link show type veth').split('\n').filter(Boolean).length;

export function assertNothingLeft(uuid: string, opts: { podIp?: string; afterGc?: boolean } = {}): void {
  assert.deepEqual(leftovers(uuid, opts), [], `pod ${uuid} left things on the host`);
}
