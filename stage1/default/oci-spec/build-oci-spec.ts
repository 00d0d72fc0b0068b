// One app of a pod → the OCI runtime config (config.json) the default stage1 hands to
// crun/runc. Pure: the caller reads the pod directory, resolves the user against the image's
// /etc/passwd and /etc/group (common/passwd.ts), plans the volumes
// (stage1/common/mount-plan.ts) and reads the host's limits; this only translates.
import path from 'node:path';
import type { App, ImageManifest, RuntimeApp } from '../../../common/appc-types.ts';
import { SkiffError } from '../../../common/errors.ts';
import { parseAppName } from '../../../common/ids.ts';
import type { ResolvedUser } from '../../../common/passwd.ts';
import { appEnvironment } from '../../common/exec-plan.ts';
import { boundingSet, processCapabilities } from './capabilities.ts';
import { parseIsolators } from './isolators.ts';
import type { AppIsolators } from './isolators.ts';
import { MASKED_PATHS, READONLY_PATHS, SYSTEM_MOUNTS, etcFileMounts, volumeMount } from './mounts.ts';
import type { AppVolumeMount, PodEtcFiles } from './mounts.ts';
import { OCI_VERSION } from './oci-runtime-types.ts';
import type { OciLinux, OciNamespace, OciProcess, OciRlimit, OciRuntimeSpec } from './oci-runtime-types.ts';
import { buildResources, clampRlimits } from './resources.ts';
import { buildSeccomp } from './seccomp.ts';

/** Namespace files of the pod's sandbox process (/proc/PID/ns/…) for its apps to join. */
export interface PodNamespacePaths {
  network?: string;
  ipc?: string;
  uts?: string;
  pid?: string;
}

/** `--insecure-options` that reach stage1: each lifts one kind of confinement. */
export interface InsecureOptions {
  /** Every capability in the bounding set, isolators ignored. */
  capabilities?: boolean;
  /** No masked or read-only /proc and /sys paths. */
  paths?: boolean;
  /** No seccomp filter (and so no forced no-new-privileges). */
  seccomp?: boolean;
}

export interface OciSpecInput {
  runtimeApp: RuntimeApp;
  /** The app's image manifest; its app section applies when the pod manifest has none. */
  imageManifest?: ImageManifest;
  /** The user and groups, already resolved in the app's image; `home` seeds HOME. */
  user: ResolvedUser;
  /** The app's volumes in mount order, host paths resolved (mounts.ts resolveVolumeMounts). */
  mounts: readonly AppVolumeMount[];
  /** Namespaces to join; a missing one is created for this app. */
  podNamespaces?: PodNamespacePaths;
  /** `--net=host`: no network namespace at all. */
  hostNetwork?: boolean;
  hostname: string;
  etcFiles?: PodEtcFiles;
  /** The app's root on the host. */
  rootfs: string;
  cgroupsPath: string;
  insecure?: InsecureOptions;
  /** `--interactive`: the app gets a terminal. */
  interactive?: boolean;
  /** A pids limit; null for none; absent for resources.ts DEFAULT_PIDS_LIMIT. */
  pidsLimit?: number | null;
  /** rlimits to set (finite values), each capped at the host's hard limit of its kind. */
  rlimits?: readonly OciRlimit[];
  /** What the runtime itself is allowed, so the spec never asks for more. */
  host?: HostLimits;
}

/**
 * The privileges of the process that will run the OCI runtime (stage1's own, read from
 * /proc/self/status, /proc/self/limits and /proc/self/oom_score_adj). Root in a container
 * or a restricted VM may lack some capabilities (here: CAP_SYS_RESOURCE); asking the runtime
 * for more than it holds fails the whole pod at start. Unknown fields impose no ceiling.
 */
export interface HostLimits {
  /** Its bounding set: capabilities outside it cannot be given to an app. */
  capabilities?: readonly string[];
  /** Its rlimits: raising a hard limit needs CAP_SYS_RESOURCE. */
  rlimits?: readonly OciRlimit[];
  /** Its oom_score_adj: without CAP_SYS_RESOURCE no app may be set lower. */
  oomScoreAdj?: number;
}

export interface OciSpecResult {
  spec: OciRuntimeSpec;
  /** Isolators and settings that were not applied as written, one sentence each. */
  warnings: string[];
}

/** The app section that applies: the pod manifest's, else the image's (appc). */
function appSection(input: OciSpecInput): App {
  const app = input.runtimeApp.app ?? input.imageManifest?.app;
  if (app === undefined) {
    throw new SkiffError('POD_MANIFEST_INVALID', `app ${input.runtimeApp.name} has no app section in the pod manifest nor in its image manifest`, {
      hint: 'give the app a command with --exec',
    });
  }
  return app;
}

function buildProcess(input: OciSpecInput, app: App, appName: string): OciProcess {
  const args = [...(app.exec ?? [])];
  if (args.length === 0 || args[0] === '') {
    throw new SkiffError('POD_MANIFEST_INVALID', `app ${appName} has no command to run`, { hint: 'give one with --exec' });
  }
  const cwd = app.workingDirectory ?? '/';
  if (!cwd.startsWith('/')) {
    throw new SkiffError('POD_MANIFEST_INVALID', `app ${appName}'s working directory ${JSON.stringify(cwd)} is not absolute`);
  }
  const { user } = input;
  const additionalGids = [...new Set([...user.supplementaryGids, ...(app.supplementaryGIDs ?? [])])];
  const env = appEnvironment(app, parseAppName(appName), user.home);
  return {
    terminal: input.interactive ?? false,
    user: { uid: user.uid, gid: user.gid, additionalGids },
    args,
    env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    cwd: path.posix.resolve(cwd),
  };
}

function buildNamespaces(input: OciSpecInput): OciNamespace[] {
  const shared = input.podNamespaces ?? {};
  if (input.hostNetwork && shared.network !== undefined) {
    throw new SkiffError('INTERNAL', 'a pod on the host network cannot also join a network namespace');
  }
  const ns = (type: keyof PodNamespacePaths): OciNamespace => {
    const p = shared[type];
    return p === undefined ? { type } : { type, path: p };
  };
  const out = [ns('pid')];
  if (!input.hostNetwork) out.push(ns('network'));
  out.push(ns('ipc'), ns('uts'), { type: 'mount' });
  return out;
}

/**
 * The app's OOM score adjustment, raised to the host's own when the runtime could not set a
 * lower one (the kernel refuses to lower oom_score_adj below its floor without CAP_SYS_RESOURCE).
 */
function oomScoreAdj(requested: number | undefined, host: HostLimits, appName: string, warnings: string[]): number | undefined {
  if (requested === undefined || host.capabilities === undefined || host.oomScoreAdj === undefined) return requested;
  if (requested >= host.oomScoreAdj || host.capabilities.includes('CAP_SYS_RESOURCE')) return requested;
  warnings.push(`app ${appName}: oom-score-adj ${requested} raised to ${host.oomScoreAdj}: lowering it needs CAP_SYS_RESOURCE, which the host does not grant`);
  return host.oomScoreAdj;
}

/**
 * no-new-privileges: the isolator's value, forced on for a non-root app under seccomp — a
 * set-user-ID binary could otherwise regain what the filter and bounding set took (and
 * runc then loads the filter after the user switch, as an unprivileged process must).
 */
function noNewPrivileges(isolators: AppIsolators, uid: number, seccompActive: boolean): boolean {
  if (seccompActive && uid !== 0) return true;
  return isolators.noNewPrivileges ?? false;
}

export function buildOciSpec(input: OciSpecInput): OciSpecResult {
  const appName = input.runtimeApp.name;
  const app = appSection(input);
  const insecure = input.insecure ?? {};
  const parsed = parseIsolators(app.isolators, appName);
  const { isolators } = parsed;
  const warnings = [...parsed.warnings];

  const host = input.host ?? {};
  const proc = buildProcess(input, app, appName);
  const caps = boundingSet(isolators.caps, insecure.capabilities ?? false, host.capabilities, appName);
  warnings.push(...caps.warnings);
  proc.capabilities = processCapabilities(caps.caps, input.user.uid);
  const seccomp = buildSeccomp(isolators.seccomp, new Set(caps.caps), insecure.seccomp ?? false, appName);
  warnings.push(...seccomp.warnings);
  proc.noNewPrivileges = noNewPrivileges(isolators, input.user.uid, seccomp.seccomp !== undefined);
  const oom = oomScoreAdj(isolators.oomScoreAdj, host, appName, warnings);
  if (oom !== undefined) proc.oomScoreAdj = oom;
  const rlimits = clampRlimits(input.rlimits ?? [], host.rlimits ?? [], appName);
  warnings.push(...rlimits.warnings);
  if (rlimits.rlimits.length > 0) proc.rlimits = rlimits.rlimits;

  const resources = buildResources(isolators, input.pidsLimit, appName);
  warnings.push(...resources.warnings);
  const linux: OciLinux = {
    namespaces: buildNamespaces(input),
    cgroupsPath: input.cgroupsPath,
    resources: resources.resources,
  };
  if (!insecure.paths) {
    linux.maskedPaths = [...MASKED_PATHS];
    linux.readonlyPaths = [...READONLY_PATHS];
  }
  if (seccomp.seccomp !== undefined) linux.seccomp = seccomp.seccomp;

  const spec: OciRuntimeSpec = {
    ociVersion: OCI_VERSION,
    process: proc,
    root: { path: input.rootfs, readonly: input.runtimeApp.readOnlyRootFS ?? false },
    // An app joining the pod's UTS namespace finds the hostname the sandbox set.
    ...(input.podNamespaces?.uts === undefined ? { hostname: input.hostname } : {}),
    mounts: [
      ...SYSTEM_MOUNTS.map((m) => ({ ...m, options: [...(m.options ?? [])] })),
      ...etcFileMounts(input.etcFiles ?? {}),
      ...input.mounts.map(volumeMount),
    ],
    linux,
  };
  return { spec, warnings };
}
