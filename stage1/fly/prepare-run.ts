// Everything the fly flavor does before the app starts: read the pod, check the lock, write
// the DNS files, bind /proc /sys /dev and the volumes into the app's root, check the command,
// write `pid` and `started`; the result is the exec chain that becomes the app.
//
// fly is rkt's fly: one app, chrooted into its root with the host's namespaces otherwise,
// for privileged host tools. It sets up no isolation, so options about isolation are
// accepted and ignored (logged).
import fs from 'node:fs';
import { SkiffError } from '../../common/errors.ts';
import { appRootfsPath, appStatusDir, appStatusPath } from '../../common/layout.ts';
import { applyVolumeMounts, bindSystemMounts } from '../common/apply-mounts.ts';
import type { MountCtx } from '../common/apply-mounts.ts';
import { installDnsFiles } from '../common/dns-files.ts';
import type { RunOptions } from '../common/entrypoint-args.ts';
import { buildExecChain, findChainTools } from '../common/exec-chain.ts';
import type { ChainTools, ExecCommand } from '../common/exec-chain.ts';
import { checkCommand, planAppExec } from '../common/exec-plan.ts';
import { FLY_SYSTEM_MOUNTS, planVolumeMounts } from '../common/mount-plan.ts';
import { onlyApp, readPodManifest } from '../common/pod-manifest.ts';
import type { PodApp } from '../common/pod-manifest.ts';
import { markPodStarted, writePodPid } from '../common/pod-files.ts';
import { checkPodLockFd } from '../common/pod-lock.ts';
import { ensurePathInRoot } from '../common/resolve-in-root.ts';
import type { Stage1Ctx } from '../common/stage1-context.ts';

import { FLAVOR } from './flavor.ts';

export interface PrepareRunInput {
  opts: RunOptions;
  /** The pid the app will have: the process that execs the chain. */
  appPid: number;
  /** The fd holding the pod lock (SKIFF_LOCK_FD), checked before anything is touched. */
  lockFd: number;
  /** Where setpriv and unshare are found: given, or looked up on this PATH. */
  tools: ChainTools | { pathEnv: string | undefined };
}

function logIgnoredOptions(ctx: Stage1Ctx, opts: RunOptions, pod: PodApp): void {
  const { log } = ctx;
  if (opts.hostname !== undefined) log.debug({ hostname: opts.hostname }, 'fly shares the host UTS namespace: --hostname ignored');
  if (opts.net !== undefined && !(opts.net.length === 1 && opts.net[0] === 'host')) {
    log.debug({ net: opts.net }, 'fly shares the host network namespace: --net ignored');
  }
  if (opts.stage1Runtime !== undefined) log.debug('fly runs no OCI runtime: --stage1-runtime ignored');
  if (opts.insecureOptions.length > 0) log.debug({ insecure: opts.insecureOptions }, 'fly isolates nothing: --insecure-options ignored');
  if (pod.runtime.readOnlyRootFS) log.warn({ app: pod.name }, 'fly does not make the app root read-only: readOnlyRootFS ignored');
  if ((pod.app.isolators ?? []).length > 0) log.debug({ app: pod.name }, 'fly applies no isolators: ignored');
}

function appRootOf(podRoot: string, pod: PodApp): string {
  const root = appRootfsPath(podRoot, pod.name);
  if (!fs.statSync(root, { throwIfNoEntry: false })?.isDirectory()) {
    throw new SkiffError('STAGE1_FAILED', `the root of app ${pod.name} is missing at ${root}: the pod was not prepared`);
  }
  return root;
}

export interface PreparedRun {
  cmd: ExecCommand;
  /** Where the exit watcher records the app's status (its directory exists). */
  statusFile: string;
}

export function prepareRun(ctx: Stage1Ctx, input: PrepareRunInput): PreparedRun {
  const { podRoot } = ctx;
  checkPodLockFd(podRoot, input.lockFd);
  const manifest = readPodManifest(podRoot);
  const pod = onlyApp(podRoot, manifest, FLAVOR);
  const log = ctx.log.child({ app: pod.name });
  logIgnoredOptions({ ...ctx, log }, input.opts, pod);
  const appRoot = appRootOf(podRoot, pod);
  const plan = planAppExec(appRoot, pod);
  const volumes = planVolumeMounts(manifest, pod.runtime, pod.app);

  // DNS files go into the image's /etc before volumes are mounted, so a volume at /etc is
  // never written to.
  installDnsFiles(podRoot, appRoot, input.opts.dnsConfMode, log);
  const mountCtx: MountCtx = { host: ctx.host, log, podRoot, appRoot };
  bindSystemMounts(mountCtx, FLY_SYSTEM_MOUNTS);
  applyVolumeMounts(mountCtx, volumes);
  // Like runc, create a missing working directory rather than fail.
  ensurePathInRoot(appRoot, plan.workingDirectory, 'dir');
  // After the mounts: the command may live on a volume.
  checkCommand(plan);

  const tools = 'pathEnv' in input.tools ? findChainTools(input.tools.pathEnv) : input.tools;
  const cmd = buildExecChain(plan, tools);
  writePodPid(podRoot, input.appPid);
  markPodStarted(podRoot);
  fs.mkdirSync(appStatusDir(podRoot), { recursive: true, mode: 0o755 });
  log.debug({ argv: plan.argv, uid: plan.uid, gid: plan.gid, groups: plan.supplementaryGids, wd: plan.workingDirectory }, 'app ready');
  return { cmd, statusFile: appStatusPath(podRoot, pod.name) };
}
