// `skiff run-prepared` (and the second half of `skiff run`): take the pod's lock, make sure its
// roots are mounted, move it into run/ and exec the stage1 run entrypoint, handing it the lock.
// Exactly one of several concurrent run-prepared of a pod wins: the lock is taken without
// waiting, and the pod must still be in prepared/ once it is held.
import fs from 'node:fs';
import path from 'node:path';
import tty from 'node:tty';
import type { ImageManifest, PodManifest } from '../../common/appc-types.ts';
import type { Ctx } from '../../common/context.ts';
import { SkiffError } from '../../common/errors.ts';
import { parseAppName, type PodUuid } from '../../common/ids.ts';
import * as layout from '../../common/layout.ts';
import { STAGE1_LOCK_FD, STAGE1_LOCK_FD_ENV, STAGE1_NODE_ENV } from '../../common/stage1-interface.ts';
import { readImageRecords, resolveImage } from '../../store/image-index.ts';
import type { ParsedPodOptions } from '../pod/pod-options.ts';
import { findPod } from './find-pod.ts';
import { lockPodDirOnFd0, type PodLock } from './pod-lock.ts';
import { appRootfsPlan, ensureMtabLink, mountRootfs, stage1RootfsPlan } from './render-pod.ts';
import { gateRunOptions, stage1Entrypoint, stage1InterfaceVersion, stage1RunModule } from './stage1-image.ts';
import { runStage1Module } from './stage1-run-module.ts';

/** Pod options that reach stage1 as run options (they are not in the pod manifest). */
export type RunPodOptions = Pick<ParsedPodOptions, 'net' | 'hostname' | 'interactive' | 'stage1Runtime' | 'privateUsers'> & {
  dnsConfMode?: string;
};

export interface ExecPlan {
  file: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  /** The stage1's run module (absolute path), which stage0 loads instead of exec'ing `file`. */
  runModule?: { path: string; args: string[] };
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

/** The --net value stage1 gets: `NAME[:K=V;K2=V2][,NAME…]`, as the user gave it (pure). */
export function formatNet(net: ParsedPodOptions['net']): string {
  if (net.kind !== 'networks') return net.kind;
  return net.networks
    .map((n) => {
      const args = Object.entries(n.args).map(([k, v]) => `${k}=${v}`);
      return args.length > 0 ? `${n.name}:${args.join(';')}` : n.name;
    })
    .join(',');
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
  const runArgs = [...(gateRunOptions(version, wanted, (m) => ctx.log.warn(m))), uuid];
  const isScript = /\.(mjs|js|cjs)$/.test(entry);
  const runModule = stage1RunModule(manifest, version, process.env);
  return {
    file: isScript ? process.execPath : file,
    args: isScript ? [file, ...runArgs] : runArgs,
    env: stage1Env(process.env),
    cwd: root,
    ...(runModule ? { runModule: { path: runModuleSource(ctx, root, runModule), args: runArgs } } : {}),
  };
}

/**
 * The file stage0 loads a run module from: the stage1 image's own files in the store (the
 * topmost tree that has it), the same bytes as under the pod's stage1 rootfs, at a path that
 * does not change from pod to pod. Node's compile cache is keyed by path: loaded from the pod,
 * the module would be compiled afresh on every run and leave ~100 KB of cache behind each time.
 */
function runModuleSource(ctx: Ctx, root: string, file: string): string {
  const stage1Id = fs.readFileSync(layout.stage1ImageIdPath(root), 'utf8').trim();
  const image = resolveImage(readImageRecords(ctx.dataDir), stage1Id);
  for (const tree of [...image.trees].reverse()) {
    const candidate = path.join(layout.treeRootfsPath(ctx.dataDir, tree), file);
    if (fs.existsSync(candidate)) return candidate;
  }
  return path.join(layout.stage1RootfsPath(root), file);
}

/**
 * stage1's environment: ours, with the lock fd named, the launcher's SKIFF_STDIN_FD left out
 * (process.execve rejects undefined values, so the key is deleted) and SKIFF_NODE set to this
 * Node, which a script entrypoint (fly's run.sh) uses instead of whatever `node` is on PATH.
 */
export function stage1Env(base: NodeJS.ProcessEnv): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined && k !== 'SKIFF_STDIN_FD') env[k] = v;
  env[STAGE1_LOCK_FD_ENV] = String(STAGE1_LOCK_FD);
  env[STAGE1_NODE_ENV] = process.execPath;
  return env;
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

/** Where the launcher (bin/skiff) puts its copy of stdin; see planStdinHandOff. */
export const LAUNCHER_STDIN_FD = 99;

/** Whether an fd is open and will survive execve (no O_CLOEXEC in its fdinfo flags). */
function survivesExec(fd: number): boolean {
  try {
    const flags = /^flags:\s+([0-7]+)/m.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))?.[1];
    return flags !== undefined && (Number.parseInt(flags, 8) & 0o2000000) === 0;
  } catch {
    return false;
  }
}

/**
 * How the stage1 shell gets stdin back on fd 0 once the lock has taken it. Node marks the
 * inherited fds close-on-exec as it starts (libuv's uv_disable_stdio_inheritance: 0-15, then
 * on until the first closed fd), and execve clears that only on 0-2. So the launcher puts its
 * copy of stdin on fd 99, past a gap that stops that sweep, where it stays inheritable. When
 * it is not there (Node started without the launcher, or a parent left fds 16-98 open), a
 * terminal is reopened by its path, and anything else becomes /dev/null.
 * Returns the shell words that leave the lock on fd 3 and stdin on fd 0.
 */
export function planStdinHandOff(ctx: Ctx): string {
  const fd = LAUNCHER_STDIN_FD;
  if (process.env.SKIFF_STDIN_FD === String(fd) && survivesExec(fd)) return `exec 3<&0 0<&${fd} ${fd}<&-`;
  let tty = '';
  try {
    if (process.env.SKIFF_STDIN_FD && fs.fstatSync(Number(process.env.SKIFF_STDIN_FD)).isCharacterDevice()) {
      tty = fs.readlinkSync(`/proc/self/fd/${process.env.SKIFF_STDIN_FD}`);
    }
  } catch {
    tty = '';
  }
  ctx.log.debug({ tty }, 'the launcher\'s stdin copy did not survive; reopening a terminal or using /dev/null');
  if (tty.startsWith('/dev/')) return `exec 3<&0; { command exec 0<${shellWord(tty)}; } 2>/dev/null || exec 0</dev/null`;
  return 'exec 3<&0 0</dev/null';
}

function shellWord(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Whether the stdin the launcher kept for stage1 (see planStdinHandOff) is a terminal. */
export function launcherStdinIsTty(isatty: (fd: number) => boolean): boolean {
  const fd = Number(process.env.SKIFF_STDIN_FD);
  return Number.isSafeInteger(fd) && fd >= 0 && isatty(fd);
}

/**
 * Starts stage1's run: with a run module, loads it here and execs the program it returns (or
 * exits with its status); else execs the run entrypoint. Returns only the exit status of a run
 * module that failed.
 */
export async function startStage1(ctx: Ctx, plan: ExecPlan): Promise<number> {
  if (!plan.runModule) return execStage1(ctx, plan);
  const next = await runStage1Module(ctx, plan.runModule.path, {
    args: plan.runModule.args,
    podDir: plan.cwd,
    lockFd: 0,
    env: plan.env,
    pid: process.pid,
    stdinIsTty: launcherStdinIsTty((fd) => tty.isatty(fd)),
  });
  if ('exitCode' in next) return next.exitCode;
  return execStage1(ctx, { file: next.exec.file, args: next.exec.args, env: plan.env, cwd: plan.cwd });
}

/**
 * Replaces this process with stage1. fd 0 holds the lock; the host (or else a one-line shell)
 * moves it to fd 3 and puts stdin back on fd 0 (see planStdinHandOff), so stage1 finds stdin
 * on 0 and the lock on 3; without the launcher's copy, stdin becomes /dev/null.
 */
export function execStage1(ctx: Ctx, plan: ExecPlan): never {
  ctx.log.debug({ file: plan.file, args: plan.args, cwd: plan.cwd }, 'exec stage1');
  // The last moment this process's compiled code can be kept for the next run.
  ctx.codeCache?.save();
  process.chdir(plan.cwd);
  // The host that can move fds itself (the C helper) puts the lock on 3 and stdin on 0 here
  // and execs stage1 directly: a bash less on every run (~2.5 ms).
  const fd = LAUNCHER_STDIN_FD;
  if (process.env.SKIFF_STDIN_FD === String(fd) && survivesExec(fd)) {
    const undo = ctx.host.moveFds?.([
      [0, 3],
      [fd, 0],
    ]);
    if (undo) {
      try {
        return ctx.host.execve(plan.file, [plan.file, ...plan.args], plan.env);
      } catch (err) {
        undo();
        throw err;
      }
    }
  }
  const swap = planStdinHandOff(ctx);
  // bash, not sh: dash cannot name fds above 9 in a redirection.
  return ctx.host.execve('/bin/bash', ['bash', '-c', `${swap}; exec "$@"`, 'skiff-stage1', plan.file, ...plan.args], plan.env);
}

