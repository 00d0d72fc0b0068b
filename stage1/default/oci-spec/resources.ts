// Cgroup limits and rlimits of one app. Limits the host cannot grant are never written:
// the runtime would fail the whole pod at start (root here lacks CAP_SYS_RESOURCE, which is
// what makes podman's default rlimits fail).
import type { AppIsolators } from './isolators.ts';
import type { OciResources, OciRlimit } from './oci-runtime-types.ts';

/** The CFS period the CPU quota is expressed in (the kernel's default, 100 ms). */
export const CPU_PERIOD_US = 100_000;
/** The kernel refuses quotas below 1 ms (cpu.cfs_quota_us). */
const MIN_CPU_QUOTA_US = 1_000;

/**
 * Per-app pids limit when nothing asks for another: appc has no pids isolator and stage0 no
 * flag, yet one fork bomb must not take the host down. 4096 is far above what a service
 * needs (podman uses 2048) and stays under the host's default pid_max share.
 */
export const DEFAULT_PIDS_LIMIT = 4096;

/** Let the runtime add its default device allow-list (null, zero, full, tty, random, urandom, ptmx, pts) on top. */
const DENY_ALL_DEVICES = { allow: false, access: 'rwm' } as const;

export interface ResourcesResult {
  resources: OciResources;
  warnings: string[];
}

/** `pidsLimit`: a number, null for no limit, undefined for DEFAULT_PIDS_LIMIT. */
export function buildResources(isolators: AppIsolators, pidsLimit: number | null | undefined, appName: string): ResourcesResult {
  const warnings: string[] = [];
  // Deny every device first: the default caps hold CAP_MKNOD, and only the devices cgroup
  // stops a node made with it from being opened.
  const resources: OciResources = { devices: [{ ...DENY_ALL_DEVICES }] };
  if (isolators.memoryLimit !== undefined) resources.memory = { limit: isolators.memoryLimit };
  const cpu: NonNullable<OciResources['cpu']> = {};
  if (isolators.cpuShares !== undefined) cpu.shares = isolators.cpuShares;
  if (isolators.cpuMillicores !== undefined) {
    let quota = Math.round((isolators.cpuMillicores * CPU_PERIOD_US) / 1000);
    if (quota < MIN_CPU_QUOTA_US) {
      warnings.push(`app ${appName}: a CPU limit of ${isolators.cpuMillicores}m is below the kernel's minimum; raised to 10m`);
      quota = MIN_CPU_QUOTA_US;
    }
    cpu.quota = quota;
    cpu.period = CPU_PERIOD_US;
  }
  if (Object.keys(cpu).length > 0) resources.cpu = cpu;
  const pids = pidsLimit === undefined ? DEFAULT_PIDS_LIMIT : pidsLimit;
  if (pids !== null) resources.pids = { limit: pids };
  return { resources, warnings };
}

export interface RlimitsResult {
  rlimits: OciRlimit[];
  warnings: string[];
}

/**
 * The rlimits to set: each requested one, capped at the host's hard limit for that
 * resource (raising a hard limit needs CAP_SYS_RESOURCE). A request for a resource whose
 * host limits are unknown is left out, with a warning: the runtime would fail on it.
 * Nothing requested → none written, and the app inherits the runtime's limits.
 */
export function clampRlimits(requested: readonly OciRlimit[], hostCeilings: readonly OciRlimit[], appName: string): RlimitsResult {
  const rlimits: OciRlimit[] = [];
  const warnings: string[] = [];
  for (const r of requested) {
    const ceiling = hostCeilings.find((c) => c.type === r.type);
    if (ceiling === undefined) {
      warnings.push(`app ${appName}: the host's ${r.type} is unknown; that rlimit is not set`);
      continue;
    }
    const hard = Math.min(r.hard, ceiling.hard);
    const soft = Math.min(r.soft, hard);
    if (hard < r.hard || soft < r.soft) {
      warnings.push(`app ${appName}: ${r.type} lowered to ${soft}/${hard}, the host's hard limit`);
    }
    rlimits.push({ type: r.type, soft, hard });
  }
  return { rlimits, warnings };
}
