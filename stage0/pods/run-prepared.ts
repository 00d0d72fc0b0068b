// `skiff run-prepared` (and the second half of `skiff run`): take the pod's lock, make sure its
// roots are mounted, move it into run/ and exec the stage1 run entrypoint, handing it the lock.
// Exactly one of several concurrent run-prepared of a pod wins: the lock is taken without
// waiting, and the pod must still be in prepared/ once it is held.
import fs from 'node:fs';
import path from 'node:path';
import type { ImageManifest, PodManifest } from '../../common/appc-types.ts';
import type { Ctx } from '../../common/context.ts';
import { SkiffError } from '../../common/errors.ts';
import { parseAppName, type PodUuid } from '../../common/ids.ts';
import * as layout from '../../common/layout.ts';
import { STAGE1_LOCK_FD, STAGE1_LOCK_FD_ENV } from '../../common/stage1-interface.ts';
import { readImageRecords, resolveImage } from '../../store/image-index.ts';
import type { ParsedPodOptions } from '../pod/pod-options.ts';
import { findPod } from './find-pod.ts';
import { lockPodDirOnFd0, type PodLock } from './pod-lock.ts';
import { appRootfsPlan, ensureMtabLink, mountRootfs, stage1RootfsPlan } from './render-pod.ts';
import { gateRunOptions, stage1Entrypoint, stage1InterfaceVersion } from './stage1-image.ts';

/** Pod options that reach stage1 as run options (they are not in the pod manifest). */
export type RunPodOptions = Pick<ParsedPodOptions, 'net' | 'hostname' | 'interactive' | 'stage1Runtime' | 'privateUsers'> & {
  dnsConfMode?: string;
};

export interface ExecPlan {
  file: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
}

function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

/** Re-mounts the overlays of a prepared pod (they do not survive a reboot); copies need nothing. */
export function ensurePodMounted(ctx: Ctx, root: string): void {
  const mode = fs.readFileSync(layout.podRenderModePath(root), 'utf8').trim();
  if (mode !== 'overlay') return;
  const records = readImageRecords(ctx.dataDir);
  const stage1Id = fs.readFileSync(layout.stage1ImageIdPath(root), 'utf8').trim();
  mountRootfs(ctx, stage1RootfsPlan(root, resolveImage(records, stage1Id)));
  const pod = readJson<PodManifest>(layout.podManifestPath(root));
  for (const app of pod.apps) {
    const name = parseAppName(app.name);
    mountRootfs(ctx, appRootfsPlan(root, name, resolveImage(records, app.image.id)));
    ensureMtabLink(layout.appRootfsPath(root, name));
  }
}

function formatNet(net: ParsedPodOptions['net']): string {
  if (net.kind !== 'networks') return net.kind;
  return net.networks.map((n) => n.name).join(',');
}

/** The stage1 command line (a `.mjs`/`.js` entrypoint runs under this same Node). */
export async function planStage1Exec(ctx: Ctx, root: string, uuid: PodUuid, opts: RunPodOptions, debug: boolean): Promise<ExecPlan> {
  const manifest = readJson<ImageManifest>(layout.stage1ManifestPath(root));
  const entry = stage1Entrypoint(manifest, 'run');
  const version = stage1InterfaceVersion(manifest) ?? '1.0.0';
  if (!entry) throw new SkiffError('STAGE1_INVALID', `the pod's stage1 has no run entrypoint`);
  const file = path.join(layout.stage1RootfsPath(root), entry);
  const wanted: Array<readonly [string, string | true]> = [];
  if (debug) wanted.push(['debug', true]);
  wanted.push(['net', formatNet(opts.net)]);
  if (opts.interactive) wanted.push(['interactive', true]);
  if (opts.hostname) wanted.push(['hostname', opts.hostname]);
  if (opts.dnsConfMode) wanted.push(['dns-conf-mode', opts.dnsConfMode]);
  if (opts.privateUsers) wanted.push(['private-users', true]);
  if (opts.stage1Runtime) wanted.push(['stage1-runtime', opts.stage1Runtime]);
  const insecure = (['capabilities', 'paths', 'seccomp'] as const).filter((k) => ctx.insecure[k]);
  if (insecure.length > 0) wanted.push(['insecure-options', insecure.join(',')]);
  const runArgs = [...(await gateRunOptions(version, wanted, (m) => ctx.log.warn(m))), uuid];
  const isScript = /\.(mjs|js|cjs)$/.test(entry);
  return {
    file: isScript ? process.execPath : file,
    args: isScript ? [file, ...runArgs] : runArgs,
    env: { ...process.env, [STAGE1_LOCK_FD_ENV]: String(STAGE1_LOCK_FD), SKIFF_STDIN_FD: undefined },
    cwd: root,
  };
}

/**
 * Locks a prepared pod for running (on fd 0, see pod-lock.ts) and moves it into run/.
 * Losers of a race fail at once with POD_LOCKED or POD_STATE.
 */
export function claimPreparedPod(ctx: Ctx, ref: string): { uuid: PodUuid; root: string; lock: PodLock } {
  const pod = findPod(ctx, ref);
  if (pod.dir !== 'prepared') {
    throw new SkiffError('POD_STATE', `pod ${pod.uuid} is ${pod.state}, not prepared`, { hint: 'only a prepared pod can be run' });
  }
  let lock: PodLock;
  try {
    lock = lockPodDirOnFd0(ctx.host, pod.root);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new SkiffError('POD_STATE', `pod ${pod.uuid} is no longer prepared: another skiff started it`);
    }
    throw err;
  }
  // We may have locked it just after the winner renamed it away: the lock is on the same
  // directory, so check it is still the one in prepared/.
  const held = fs.fstatSync(lock.fd);
  let current: fs.Stats | undefined;
  try {
    current = fs.statSync(pod.root);
  } catch {
    current = undefined;
  }
  if (!current || current.ino !== held.ino) {
    lock.release();
    throw new SkiffError('POD_STATE', `pod ${pod.uuid} is no longer prepared: another skiff started it`);
  }
  return { uuid: pod.uuid, root: pod.root, lock };
}

/** The run options prepare saved, with those given to run-prepared on top. */
export function readRunOptions(root: string, overrides: Partial<RunPodOptions>): RunPodOptions {
  const saved = readJson<RunPodOptions>(layout.podRunOptionsPath(root));
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  return { ...saved, ...defined };
}

/** Moves a claimed pod into run/ (the caller holds its lock). */
export function markRunning(dataDir: string, uuid: PodUuid, root: string): string {
  const running = layout.podDir(dataDir, 'run', uuid);
  fs.renameSync(root, running);
  return running;
}

/**
 * Replaces this process with stage1. A one-line shell swaps fd 0 (the lock) and fd 3 (stdin
 * saved by the launcher), so stage1 finds stdin on 0 and the lock on 3; without the launcher's
 * copy, stdin becomes /dev/null.
 */
export function execStage1(ctx: Ctx, plan: ExecPlan): never {
  const haveStdin = process.env.SKIFF_STDIN_FD === '3' && isOpenFd(3);
  const swap = haveStdin ? 'exec 4<&0 0<&3 3<&4 4<&-' : 'exec 3<&0 0</dev/null';
  ctx.log.debug({ file: plan.file, args: plan.args, cwd: plan.cwd }, 'exec stage1');
  process.chdir(plan.cwd);
  return ctx.host.execve('/bin/sh', ['sh', '-c', `${swap}; exec "$@"`, 'sh', plan.file, ...plan.args], plan.env);
}

function isOpenFd(fd: number): boolean {
  try {
    fs.fstatSync(fd);
    return true;
  } catch {
    return false;
  }
}
