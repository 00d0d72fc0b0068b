// A fly pod made by hand, the way stage0 leaves one (no stage0 involved): the built stage1
// ACI extracted into POD/stage1, a busybox app root copied into its place, the pod manifest,
// and the pod directory locked on an fd handed to the run entrypoint as fd 3.
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { App, PodManifest, RuntimeApp, Volume } from '../../../common/appc-types.ts';
import { labelValue } from '../../../common/appc-types.ts';
import { parseAppName } from '../../../common/ids.ts';
import type { AppName } from '../../../common/ids.ts';
import { appRootfsPath, podManifestPath, stage1ManifestPath, stage1RootfsPath } from '../../../common/layout.ts';
import { STAGE1_ANNOTATIONS } from '../../../common/stage1-interface.ts';
import type { Stage1Entrypoint } from '../../../common/stage1-interface.ts';
import { buildBusyboxRootfs } from '../../helpers/images.ts';

export const APP: AppName = parseAppName('app');

export interface PodSpec {
  app: Partial<App>;
  mounts?: RuntimeApp['mounts'];
  volumes?: Volume[];
  extraApps?: number;
}

export interface FlyPod {
  dir: string;
  uuid: string;
  appRoot: string;
  entrypoint(name: Stage1Entrypoint): string;
}

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export async function makeFlyPod(baseDir: string, aci: string, spec: PodSpec, busyboxRoot: string): Promise<FlyPod> {
  const uuid = randomUUID();
  const dir = path.join(baseDir, uuid);
  fs.mkdirSync(path.dirname(stage1ManifestPath(dir)), { recursive: true });
  const tar = spawnSync('tar', ['-xf', aci, '-C', path.dirname(stage1ManifestPath(dir))], { encoding: 'utf8' });
  if (tar.status !== 0) throw new Error(`tar: ${tar.stderr}`);
  const appRoot = appRootfsPath(dir, APP);
  fs.mkdirSync(path.dirname(appRoot), { recursive: true });
  const cp = spawnSync('cp', ['-a', busyboxRoot, appRoot], { encoding: 'utf8' });
  if (cp.status !== 0) throw new Error(`cp: ${cp.stderr}`);
  const app: App = { exec: ['/bin/true'], user: '0', group: '0', ...spec.app };
  const runtime: RuntimeApp = { name: APP, image: { id: `sha512-${'a'.repeat(128)}` }, app };
  if (spec.mounts) runtime.mounts = spec.mounts;
  const pod: PodManifest = { acKind: 'PodManifest', acVersion: '0.8.11', apps: [runtime], volumes: spec.volumes ?? [] };
  for (let i = 0; i < (spec.extraApps ?? 0); i++) pod.apps.push({ ...runtime, name: `extra-${i}` });
  fs.writeFileSync(podManifestPath(dir), JSON.stringify(pod));
  const manifest = JSON.parse(fs.readFileSync(stage1ManifestPath(dir), 'utf8')) as PodManifest;
  return {
    dir,
    uuid,
    appRoot,
    entrypoint: (name) => path.join(stage1RootfsPath(dir), labelValue(manifest.annotations, STAGE1_ANNOTATIONS[name]) ?? ''),
  };
}

export function collect(child: ReturnType<typeof spawn>): Promise<Finished> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/**
 * Starts the run entrypoint as stage0 would: cwd = the pod, the pod directory locked on an
 * fd that becomes the child's fd 3, SKIFF_LOCK_FD=3, SKIFF_NODE. The test keeps no copy of
 * the lock fd, so the pod's processes are its only holders.
 */
export function startRun(pod: FlyPod, options: readonly string[] = []): { child: ReturnType<typeof spawn>; done: Promise<Finished> } {
  const fd = fs.openSync(pod.dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  try {
    const lock = spawnSync('flock', ['-x', '-n', '0'], { stdio: [fd, 'ignore', 'pipe'] });
    if (lock.status !== 0) throw new Error('could not lock the pod directory');
    const child = spawn(pod.entrypoint('run'), [...options, pod.uuid], {
      cwd: pod.dir,
      stdio: ['ignore', 'pipe', 'pipe', fd],
      env: { ...process.env, SKIFF_LOCK_FD: '3', SKIFF_NODE: process.execPath },
    });
    return { child, done: collect(child) };
  } finally {
    fs.closeSync(fd);
  }
}

export function runPod(pod: FlyPod, options: readonly string[] = []): Promise<Finished> {
  return startRun(pod, options).done;
}

/** Runs a Node entrypoint (enter, stop, gc) in the pod directory. */
export function runEntrypoint(pod: FlyPod, name: Exclude<Stage1Entrypoint, 'run'>, args: readonly string[]): Promise<Finished> {
  const child = spawn(process.execPath, [pod.entrypoint(name), ...args], { cwd: pod.dir, stdio: ['ignore', 'pipe', 'pipe'] });
  return collect(child);
}

/** Whether `flock -n` can take the pod lock now (nobody holds it). */
export function lockIsFree(dir: string): boolean {
  return spawnSync('flock', ['-x', '-n', dir, 'true']).status === 0;
}

function mountsUnder(dir: string): string[] {
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
    .map((line) => line.split(' ')[4]?.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((p): p is string => p !== undefined && (p === dir || p.startsWith(`${dir}/`)));
}

/**
 * Unmounts everything under `dir` (deepest first, as mountinfo lists parents first) and only
 * then removes it: the pods have the host's /dev, /proc and /sys bound inside.
 */
export function removeTree(dir: string): void {
  for (let round = 0; round < 5; round++) {
    const mounts = mountsUnder(dir);
    if (mounts.length === 0) break;
    for (const m of mounts.reverse()) spawnSync('umount', ['-l', m]);
  }
  const left = mountsUnder(dir);
  if (left.length > 0) throw new Error(`mounts left under ${dir}, not removing it: ${left.join(' ')}`);
  fs.rmSync(dir, { recursive: true, force: true });
}

export async function prepareBusybox(dir: string): Promise<string> {
  return buildBusyboxRootfs(path.join(dir, 'busybox-rootfs'));
}
