// Everything the default stage1's run does before its monitor takes over, in a Node process
// that then execs the monitor (stage0's, with the run module; else run.sh's child): check the lock, plan and check every
// app, choose the OCI runtime, start the sandbox, set up the network, write the pod's /etc
// files, the records gc and `status --stats` read, one OCI bundle per app, and the
// monitor's plan. Checks come before allocations, but for the sandbox, which starts first
// because it runs beside the checks; once something is allocated, a failure tears it all
// down again (teardown-pod.ts, the same code as gc) before it is reported.
import fs from 'node:fs';
import { labelValue } from '../../common/appc-types.ts';
import { VOLATILE, writeFileAtomic, writeJsonAtomic } from '../../common/write-atomic.ts';
import { SkiffError } from '../../common/errors.ts';
import { parseInsecureOptions } from '../../common/context.ts';
import * as layout from '../../common/layout.ts';
import { STAGE1_RUNTIME_ANNOTATION } from '../../common/stage1-interface.ts';
import type { RunOptions } from '../common/entrypoint-args.ts';
import { findHostTool } from '../common/exec-chain.ts';
import { writePodPid } from '../common/pod-files.ts';
import { podApps, readPodManifest } from '../common/pod-manifest.ts';
import type { PodApp } from '../common/pod-manifest.ts';
import { checkPodLockFd } from '../common/pod-lock.ts';
import type { Stage1Ctx } from '../common/stage1-context.ts';
import { planEtcFiles, readEtcSources, writeEtcFiles } from './bundle/etc-files.ts';
import { planApp } from './bundle/plan-app.ts';
import type { AppPlan } from './bundle/plan-app.ts';
import { writeAppBundle } from './bundle/write-bundle.ts';
import type { PodSettings } from './bundle/write-bundle.ts';
import { createNodeCgroupFs } from './cgroups/cgroup-fs.ts';
import { appCgroupPath, ociCgroupsPath, podCgroupPath, runtimeCgroupPath } from './cgroups/cgroup-paths.ts';
import type { CgroupPath } from './cgroups/cgroup-paths.ts';
import { createCgroupManager } from './cgroups/manager.ts';
import { buildCgroupsRecord, cgroupHierarchies, podCgroupTeardownDirs, runtimeCgroupNested } from './cgroups/pod-cgroup-record.ts';
import { readHostLimits } from './host-limits.ts';
import { buildMonitorPlan } from './monitor/build-monitor-plan.ts';
import type { MonitorPlan } from './monitor/monitor-plan.ts';
import { renderMonitorPlan } from './monitor/monitor-plan.ts';
import { selectNetworks } from './net/cni-configs.ts';
import type { CniDns, CniNetworkList } from './net/cni-types.ts';
import { cniConfigDir, readUserNetworks } from './net/find-networks.ts';
import { parseNetMode } from './net/net-mode.ts';
import type { NetMode } from './net/net-mode.ts';
import { planPortMappings } from './net/port-mappings.ts';
import { portMappingNetwork } from './net/setup-networks.ts';
import { setupPodNetwork } from './pod-network.ts';
import { maskingWrapper, runtimeKeeps, writeRuntimeRecord } from './runtime/runtime-record.ts';
import type { RuntimeRecord } from './runtime/runtime-record.ts';
import { openSeccompCache } from './runtime/seccomp-cache.ts';
import { selectRuntime } from './runtime/select-runtime.ts';
import type { RuntimeSelection } from './runtime/select-runtime.ts';
import { abandonSandbox, launcherRecord, launchSandbox, readSandboxRecord, waitForSandbox, writeSandboxRecord } from './sandbox/sandbox.ts';
import type { LaunchedSandbox, SandboxTools } from './sandbox/sandbox.ts';
import { teardownPod } from './teardown-pod.ts';

/** Seconds between the SIGTERM and the SIGKILL of a stop (stage0's `stop` waits as long before --force). */
export const STOP_GRACE_SECONDS = 10;

export interface PreparePodInput {
  opts: RunOptions;
  lockFd: number;
  env: NodeJS.ProcessEnv;
  /** The pid the monitor will have (the process that execs it): written to `pid`. */
  monitorPid: number;
  /** Whether the pod's stdin is a terminal (only then does --interactive get a pseudo-terminal). */
  stdinIsTty: boolean;
}

/** What the sandbox needs: decided first, so it can start while the rest is planned. */
interface SandboxPlan {
  mode: NetMode;
  tools: SandboxTools;
  hostname: string;
}

/** What is decided before anything is allocated. */
interface PodPlan {
  apps: AppPlan[];
  mode: NetMode;
  networks: CniNetworkList[];
  portMappings: ReturnType<typeof planPortMappings>;
  selection: RuntimeSelection;
  tools: SandboxTools;
  /** The runtime's command prefix, if it needs one (runtime-record.ts maskingWrapper). */
  runtimeWrapper?: string[];
  hostname: string;
}

function findTool(name: string, pkg: string, env: NodeJS.ProcessEnv): string {
  try {
    return findHostTool(name, env.PATH);
  } catch (err) {
    throw new SkiffError('TOOL_MISSING', `${(err as Error).message}`, { hint: `install the Debian package ${pkg}` });
  }
}

function checkPorts(ctx: Stage1Ctx, mode: NetMode, mappings: PodPlan['portMappings'], networks: readonly CniNetworkList[]): PodPlan['portMappings'] {
  if (mappings.length === 0) return mappings;
  if (mode.kind === 'host') {
    ctx.log.warn('--port is ignored with --net=host: the apps listen on the host network directly');
    return [];
  }
  if (mode.kind === 'none') throw new SkiffError('USAGE', '--port needs a network: use --net=default, not --net=none');
  portMappingNetwork(networks, mappings);
  return mappings;
}

function planSandbox(input: PreparePodInput): SandboxPlan {
  const { opts, env } = input;
  const mode = parseNetMode(opts.net);
  const tools: SandboxTools = {
    unshare: findTool('unshare', 'util-linux', env),
    setsid: findTool('setsid', 'util-linux', env),
    catatonit: findTool('catatonit', 'catatonit', env),
  };
  if (mode.kind !== 'host') tools.ip = findTool('ip', 'iproute2', env);
  return { mode, tools, hostname: opts.hostname ?? `skiff-${opts.uuid}` };
}

function planPod(ctx: Stage1Ctx, input: PreparePodInput, apps: PodApp[], manifest: ReturnType<typeof readPodManifest>, sandbox: SandboxPlan): PodPlan {
  const { opts, env } = input;
  const { mode, tools } = sandbox;
  if (opts.interactive && apps.length !== 1) {
    throw new SkiffError('USAGE', `--interactive gives the terminal to one app, and this pod has ${apps.length}`);
  }
  const plans = apps.map((a) => planApp(ctx.podRoot, manifest, a));
  for (const w of plans.flatMap((p) => p.warnings)) ctx.log.warn(w);
  const networks = mode.kind === 'cni' ? selectNetworks(mode.networks, readUserNetworks(cniConfigDir(env))) : [];
  const portMappings = checkPorts(ctx, mode, planPortMappings(manifest.ports, apps), networks);
  const annotation = labelValue(manifest.annotations, STAGE1_RUNTIME_ANNOTATION);
  const requested = opts.stage1Runtime ?? annotation;
  const requestedBy = opts.stage1Runtime !== undefined ? '--stage1-runtime' : `the pod annotation ${STAGE1_RUNTIME_ANNOTATION}`;
  const selection = selectRuntime(ctx, { ...(requested ? { requested, requestedBy } : {}), pathEnv: env.PATH ?? '' });
  const mask = selection.runtime.maskControllers;
  const runtimeWrapper = mask === undefined ? undefined : maskingWrapper({ unshare: tools.unshare, mount: findTool('mount', 'mount', env) }, mask);
  return { apps: plans, mode, networks, portMappings, selection, tools, ...(runtimeWrapper ? { runtimeWrapper } : {}), hostname: sandbox.hostname };
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function insecureOf(list: readonly string[]): PodSettings['insecure'] {
  const parsed = parseInsecureOptions(list.filter((o) => ['capabilities', 'paths', 'seccomp'].includes(o)));
  return { capabilities: parsed.capabilities, paths: parsed.paths, seccomp: parsed.seccomp };
}

function makeDirs(podRoot: string): void {
  for (const dir of [layout.appStatusDir(podRoot), layout.appLogDir(podRoot), layout.appOomDir(podRoot), layout.podRuntimeStateDir(podRoot)]) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  }
}

/** What every app's bundle shares, once the sandbox and the network exist. */
function podSettings(ctx: Stage1Ctx, input: PreparePodInput, plan: PodPlan, sandboxPid: number, cniDns: CniDns | undefined): PodSettings {
  const { opts } = input;
  const ownNetwork = plan.mode.kind !== 'host';
  const ns = (kind: string): string => `/proc/${sandboxPid}/ns/${kind}`;
  const etc = readEtcSources(ctx.podRoot, { mode: opts.dnsConfMode, hostname: plan.hostname, ownNetwork, cniDns });
  return {
    podNamespaces: { pid: ns('pid'), ipc: ns('ipc'), uts: ns('uts'), ...(ownNetwork ? { network: ns('net') } : {}) },
    hostNetwork: !ownNetwork,
    hostname: plan.hostname,
    etcFiles: writeEtcFiles(ctx.podRoot, planEtcFiles(etc)),
    insecure: insecureOf(opts.insecureOptions),
    // A pseudo-terminal only when there is a terminal to relay (runc refuses one otherwise);
    // from a pipe, the app reads the pipe itself.
    interactive: opts.interactive && input.stdinIsTty,
    host: readHostLimits(),
  };
}

async function allocate(ctx: Stage1Ctx, input: PreparePodInput, plan: PodPlan, launched: LaunchedSandbox): Promise<MonitorPlan> {
  const { podRoot } = ctx;
  const { opts } = input;
  const sandbox = waitForSandbox(launched);
  writeSandboxRecord(podRoot, sandbox);
  ctx.log.debug({ pid: sandbox.pid, hostname: plan.hostname }, 'sandbox started');
  const net = setupPodNetwork(ctx, {
    mode: plan.mode,
    networks: plan.networks,
    portMappings: plan.portMappings,
    containerId: opts.uuid,
    sandboxPid: sandbox.pid,
    env: input.env,
  });
  const settings = podSettings(ctx, input, plan, sandbox.pid, net.dns);

  makeDirs(podRoot);
  const names = plan.apps.map((a) => a.pod.name);
  const podCgroup = podCgroupPath(opts.uuid);
  const { cgroups: facts, runtime } = plan.selection;
  const cfs = createNodeCgroupFs();
  const cgroups = buildCgroupsRecord(cfs, facts.root, facts.layout, podCgroup, names);
  writeJsonAtomic(layout.podCgroupsPath(podRoot), cgroups, 0o644, VOLATILE);
  const runtimeRecord: RuntimeRecord = {
    name: runtime.name,
    path: runtime.path,
    ...(plan.runtimeWrapper ? { wrapper: plan.runtimeWrapper } : {}),
    containers: names.map((app) => ({ app, id: app })),
  };
  writeRuntimeRecord(podRoot, runtimeRecord);
  const nested = runtimeCgroupNested(facts.layout, runtimeKeeps(runtimeRecord));
  const manager = nested ? createCgroupManager({ layout: facts.layout, root: facts.root, host: ctx.host, log: ctx.log }) : undefined;
  // crun takes a filter it compiled before (runtime/seccomp-cache.ts); the container IDs are the app names.
  const seccompCache = runtime.name === 'crun' ? openSeccompCache(runtime.path) : undefined;
  for (const app of plan.apps) {
    const appCgroup = appCgroupPath(podCgroup, app.pod.name);
    let runtimeCgroup: CgroupPath = appCgroup;
    if (manager) {
      manager.createApp(podCgroup, app.pod.name);
      runtimeCgroup = runtimeCgroupPath(appCgroup);
    }
    const seccomp = seccompCache ? { cache: seccompCache, exportPath: layout.runtimeSeccompExportPath(podRoot, app.pod.name) } : undefined;
    const written = writeAppBundle(podRoot, app, settings, { path: ociCgroupsPath(runtimeCgroup), memoryAbove: nested }, seccomp);
    for (const w of written.warnings) ctx.log.warn(w);
    if (manager && written.memoryLimit !== undefined) manager.applyLimits(appCgroup, { memoryBytes: written.memoryLimit, memswToo: false });
  }
  // On a hybrid host, crun's `run` goes through the stage1's own launcher when its ACI has one:
  // one exec instead of unshare, sh and mount, and no memfd copy of crun (~6 ms a start).
  const mask = runtime.maskControllers;
  const launcher = layout.stage1RuntimeLauncherPath(podRoot);
  const runLauncher = mask !== undefined && isExecutable(launcher) ? { path: launcher, controllers: mask } : undefined;
  return buildMonitorPlan({
    podRoot,
    ...(runLauncher ? { runLauncher } : {}),
    debug: opts.debug,
    interactive: opts.interactive,
    graceSeconds: STOP_GRACE_SECONDS,
    runtime: runtimeRecord,
    cgroups,
    cgroupDirs: podCgroupTeardownDirs(cgroupHierarchies(cfs, facts.root, facts.layout), podCgroup, names, nested),
    sandbox,
    ...(net.cni ? { cni: net.cni } : {}),
  });
}

/** Prepares the pod; returns the path of the monitor plan to hand to the monitor. */
export async function preparePod(ctx: Stage1Ctx, input: PreparePodInput): Promise<string> {
  checkPodLockFd(ctx.podRoot, input.lockFd);
  const sandboxPlan = planSandbox(input);
  // Its few processes start on the other CPU while this one reads and checks the pod (~8 ms
  // of every run); allocate waits for it and records it, and from then on a failure is undone
  // by teardown, as any other.
  const launched = launchSandbox(ctx.host, {
    hostname: sandboxPlan.hostname,
    ownNetwork: sandboxPlan.mode.kind !== 'host',
    tools: sandboxPlan.tools,
    readyFile: layout.podSandboxReadyPath(ctx.podRoot),
    errorFile: layout.podSandboxErrorPath(ctx.podRoot),
  });
  const provisional = launcherRecord(launched);
  if (provisional) writeSandboxRecord(ctx.podRoot, provisional);
  let monitor: MonitorPlan;
  try {
    const manifest = readPodManifest(ctx.podRoot);
    const plan = planPod(ctx, input, podApps(ctx.podRoot, manifest), manifest, sandboxPlan);
    monitor = await allocate(ctx, input, plan, launched);
    writeFileAtomic(layout.podMonitorPlanPath(ctx.podRoot), renderMonitorPlan(monitor), 0o600, VOLATILE);
    writePodPid(ctx.podRoot, input.monitorPid);
  } catch (err) {
    // Teardown kills what the record names (the sandbox, or its launcher until it was ready).
    if (readSandboxRecord(ctx.podRoot) === undefined) abandonSandbox(launched);
    const problems = await teardownPod(ctx, input.opts.uuid);
    for (const p of problems) ctx.log.warn(`undoing the pod's setup: ${p}`);
    throw err;
  }
  return layout.podMonitorPlanPath(ctx.podRoot);
}
