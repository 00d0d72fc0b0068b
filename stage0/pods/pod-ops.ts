// The pod library API behind status, list, stop, rm and gc. Each takes (ctx, opts) and returns
// plain data; the CLI prints it.
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { ImageManifest } from '../../common/appc-types.ts';
import type { Ctx } from '../../common/context.ts';
import { SkiffError } from '../../common/errors.ts';
import * as layout from '../../common/layout.ts';
import { canEnter, canRemove, canStop } from '../../common/pod-state.ts';
import { readPodCgroupStats, type AppCgroupUsage } from '../../common/cgroup-stats.ts';
import { constants } from 'node:os';
import { stage1Env } from './run-prepared.ts';
import { findPod, listPodRefs, movePod, observePod, type PodRef } from './find-pod.ts';
import { readPodInfo, type PodInfo } from './pod-info.ts';
import { lockPodDir, readLocks } from './pod-lock.ts';
import { removePodDirectory } from './prepare.ts';
import { stage1Entrypoint } from './stage1-image.ts';
import { isMountPoint, unmountAllUnder } from './mounts.ts';

const OS_SIGNALS: Readonly<Record<string, number>> = constants.signals;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Memory and CPU use per app, from the cgroups the pod's stage1 recorded (none for fly). */
export function podStats(ctx: Pick<Ctx, 'dataDir' | 'host'>, ref: string): AppCgroupUsage[] {
  return readPodCgroupStats(findPod(ctx, ref).root);
}

/**
 * `skiff enter`: runs the stage1 enter entrypoint in a running pod with our stdio, and returns
 * the command's exit status (the CLI passes it through).
 */
export function enterPod(ctx: Ctx, ref: string, opts: { app?: string; interactive: boolean; command: readonly string[] }): number {
  const pod = findPod(ctx, ref);
  if (!canEnter(pod.state)) throw new SkiffError('POD_STATE', `pod ${pod.uuid} is ${pod.state}, not running`);
  const args = [...(opts.app ? [`--app=${opts.app}`] : []), ...(opts.interactive ? ['--interactive'] : [])];
  const status = runEntrypoint(ctx, pod, 'enter', args, ['--', ...opts.command], 'inherit');
  if (status === undefined) throw new SkiffError('STAGE1_INVALID', `the stage1 of pod ${pod.uuid} has no enter entrypoint`);
  return status;
}

export function listPods(ctx: Pick<Ctx, 'dataDir' | 'host'>): PodInfo[] {
  return listPodRefs(ctx).map(readPodInfo);
}

export async function podStatus(ctx: Pick<Ctx, 'dataDir' | 'host'>, ref: string, opts: { waitMs?: number } = {}): Promise<PodInfo> {
  let pod = findPod(ctx, ref);
  if (opts.waitMs !== undefined) {
    const deadline = Date.now() + opts.waitMs;
    while (pod.state === 'running' || pod.state === 'prepared' || pod.state === 'preparing' || pod.state === 'embryo') {
      if (Date.now() >= deadline) throw new SkiffError('POD_STATE', `pod ${pod.uuid} is still ${pod.state} after waiting`);
      await sleep(50);
      pod = findPod(ctx, pod.uuid);
    }
  }
  return readPodInfo(pod);
}

function readRenderMode(root: string): string | undefined {
  try {
    return fs.readFileSync(layout.podRenderModePath(root), 'utf8').trim();
  } catch {
    return undefined;
  }
}

/**
 * Runs a stage1 entrypoint other than run (stop, gc, enter) to completion, with the pod dir as
 * cwd: `ENTRY [options] UUID [after…]`. Returns its status, or undefined when it has none.
 */
function runEntrypoint(
  ctx: Ctx,
  pod: PodRef,
  which: 'stop' | 'gc' | 'enter',
  extra: string[],
  after: readonly string[] = [],
  stdin: 'ignore' | 'inherit' = 'ignore',
): number | undefined {
  let manifest: ImageManifest;
  try {
    manifest = JSON.parse(fs.readFileSync(layout.stage1ManifestPath(pod.root), 'utf8')) as ImageManifest;
  } catch {
    // No stage1 was ever rendered: nothing of stage1's to stop or release, nothing to enter.
    return which === 'enter' ? undefined : 0;
  }
  const entry = stage1Entrypoint(manifest, which);
  if (!entry) return which === 'enter' ? undefined : 0;
  const file = path.join(layout.stage1RootfsPath(pod.root), entry);
  if (!fs.existsSync(file)) {
    // An overlay stage1 rootfs is unmounted once the pod has been released (gc, then the
    // deletion in the same or a later gc): its entrypoints are gone by design then.
    const released = readRenderMode(pod.root) === 'overlay' && !isMountPoint(ctx.host, layout.stage1RootfsPath(pod.root));
    const say = released ? ctx.log.debug.bind(ctx.log) : ctx.log.warn.bind(ctx.log);
    say(`pod ${pod.uuid}: stage1 ${which} entrypoint ${entry} is missing (its rootfs is ${released ? 'unmounted' : 'gone'}); skipping it`);
    return 0;
  }
  const isScript = /\.(mjs|js|cjs)$/.test(entry);
  const args = [...extra, pod.uuid, ...after];
  const res = spawnSync(isScript ? process.execPath : file, isScript ? [file, ...args] : args, {
    cwd: pod.root,
    stdio: [stdin, 'inherit', 'inherit'],
    env: stage1Env(process.env),
  });
  return res.status ?? (res.signal ? 128 + (OS_SIGNALS[res.signal] ?? 0) : 1);
}

export async function stopPods(ctx: Ctx, refs: readonly string[], opts: { force: boolean; graceMs: number }): Promise<string[]> {
  const stopped: string[] = [];
  for (const ref of refs) {
    let pod = findPod(ctx, ref);
    if (!canStop(pod.state)) throw new SkiffError('POD_STATE', `pod ${pod.uuid} is ${pod.state}, not running`);
    runEntrypoint(ctx, pod, 'stop', opts.force ? ['--force'] : []);
    const deadline = Date.now() + (opts.force ? 5000 : opts.graceMs);
    while ((pod = findPod(ctx, pod.uuid)).state === 'running' && Date.now() < deadline) await sleep(50);
    if (pod.state === 'running' && !opts.force) {
      ctx.log.warn(`pod ${pod.uuid} did not stop within ${opts.graceMs / 1000}s; killing it`);
      runEntrypoint(ctx, pod, 'stop', ['--force']);
      const killDeadline = Date.now() + 5000;
      while ((pod = findPod(ctx, pod.uuid)).state === 'running' && Date.now() < killDeadline) await sleep(50);
    }
    if (pod.state === 'running') throw new SkiffError('POD_STATE', `pod ${pod.uuid} is still running`);
    stopped.push(pod.uuid);
  }
  return stopped;
}

/** Moves a pod out of the running world: stage1's gc entrypoint, then every mount under it. */
function releasePod(ctx: Ctx, pod: PodRef): void {
  const code = runEntrypoint(ctx, pod, 'gc', ctx.log.isLevelEnabled('debug') ? ['--debug'] : []);
  if (code !== 0) ctx.log.warn(`pod ${pod.uuid}: stage1 gc exited with ${code}; continuing`);
  unmountAllUnder(ctx.host, pod.root);
}

function deletePod(ctx: Ctx, pod: PodRef): void {
  using _lock = lockPodDir(ctx.host, pod.root);
  releasePod(ctx, pod);
  removePodDirectory(ctx, pod.root);
}

export function removePods(ctx: Ctx, refs: readonly string[]): string[] {
  const removed: string[] = [];
  for (const ref of refs) {
    const pod = findPod(ctx, ref);
    if (!canRemove(pod.state)) throw new SkiffError('POD_STATE', `pod ${pod.uuid} is ${pod.state}`, { hint: 'stop it first' });
    const lock = lockPodDir(ctx.host, pod.root);
    const garbage = pod.dir === 'garbage' ? pod : movePod(ctx.dataDir, pod, 'garbage');
    lock.release();
    deletePod(ctx, garbage);
    removed.push(pod.uuid);
  }
  return removed;
}

export interface GcOptions {
  graceMs: number;
  preparedExpiryMs: number;
  /** How old an unlocked embryo must be before it counts as abandoned. */
  embryoExpiryMs: number;
}

export interface GcResult {
  collected: string[];
  removed: string[];
}

function ageMs(root: string, now: number): number {
  try {
    return now - fs.statSync(root).mtimeMs;
  } catch {
    return 0;
  }
}

/**
 * rkt's gc: exited pods move to exited-garbage (stage1 gc, unmounts) and are deleted once
 * the grace period has passed; prepared pods expire after a day; what a killed prepare left is
 * deleted. Re-running it after a failure half way picks up where it stopped.
 */
export function gcPods(ctx: Ctx, opts: GcOptions): GcResult {
  const result: GcResult = { collected: [], removed: [] };
  const now = Date.now();
  for (const pod of listPodRefs(ctx)) {
    try {
      gcOne(ctx, pod, opts, now, result);
    } catch (err) {
      ctx.log.warn(`gc of pod ${pod.uuid}: ${(err as Error).message}`);
    }
  }
  return result;
}

function gcOne(ctx: Ctx, pod: PodRef, opts: GcOptions, now: number, result: GcResult): void {
  const toGarbage = (p: PodRef): void => {
    const lock = lockPodDir(ctx.host, p.root);
    const moved = movePod(ctx.dataDir, p, 'garbage');
    lock.release();
    deletePod(ctx, moved);
    result.removed.push(p.uuid);
  };
  switch (pod.state) {
    case 'exited': {
      const lock = lockPodDir(ctx.host, pod.root);
      const moved = movePod(ctx.dataDir, pod, 'exited-garbage');
      fs.utimesSync(moved.root, new Date(now), new Date(now)); // the grace period runs from now
      releasePod(ctx, moved);
      lock.release();
      result.collected.push(pod.uuid);
      if (opts.graceMs <= 0) toGarbage(observePod(ctx.dataDir, 'exited-garbage', pod.uuid, readLocks(ctx.host)));
      return;
    }
    case 'exited-garbage':
      releasePod(ctx, pod);
      if (ageMs(pod.root, now) >= opts.graceMs) toGarbage(pod);
      return;
    case 'prepared':
      if (ageMs(layout.podCreatedPath(pod.root), now) >= opts.preparedExpiryMs) toGarbage(pod);
      return;
    case 'aborted-prepare':
      toGarbage(pod);
      return;
    case 'embryo':
      if (ageMs(pod.root, now) >= opts.embryoExpiryMs) toGarbage(pod);
      return;
    case 'garbage':
      deletePod(ctx, pod);
      result.removed.push(pod.uuid);
      return;
    default:
      return; // running, preparing (locked) or being deleted by someone else
  }
}
