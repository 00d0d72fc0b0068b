// One cgroup interface with a v1 and a v2 implementation (crun's libcrun_cgroup_manager vtable,
// youki's CgroupManager). Every manager is built on a cgroup root it is handed, so the unit tests
// run both against fake cgroupfs trees in temp dirs; stage1 hands it /sys/fs/cgroup.
//
// A pod is `skiff/<uuid>` with one child per app (cgroup-paths.ts). On a hybrid host the v1
// manager is used: the controllers are all on the v1 side, and the cgroup2 tree at
// <root>/unified only tracks processes (runc puts its processes there too, so remove() cleans it).
import type { Host } from '../../../common/host.ts';
import type { Logger } from '../../../common/log.ts';
import type { AppName } from '../../../common/ids.ts';
import type { CgroupFs } from './cgroup-fs.ts';
import { createNodeCgroupFs } from './cgroup-fs.ts';
import type { CgroupPath } from './cgroup-paths.ts';
import type { CgroupLayout } from './detect-layout.ts';
import { createV1Manager } from './manager-v1.ts';
import { createV2Manager } from './manager-v2.ts';
import { resolveTiming } from './cgroup-ops.ts';
import type { CgroupTiming } from './cgroup-ops.ts';

export type { CgroupTiming };

export interface CgroupLimits {
  memoryBytes?: number;
  /**
   * v1: also cap memory + swap at memoryBytes (default true). false leaves memsw alone, as runc
   * does for an OCI memory limit without `swap`; v1 then counts the failures of the limit in
   * memory.failcnt (a charge that fails on memsw is counted nowhere).
   */
  memswToo?: boolean;
  /** CFS quota per period, in µs (`--cpu=500m` is 50000 of 100000). */
  cpuQuotaUs?: number;
  cpuPeriodUs?: number;
  /** cgroup v1 shares (2–262144, default 1024); v2 gets the cpu.weight runc would write. */
  cpuShares?: number;
  pidsMax?: number;
}

export interface CgroupStats {
  memoryBytes: number;
  /** Peak usage (v1 memory.max_usage_in_bytes, v2 memory.peak on kernels that have it). */
  memoryMaxBytes?: number;
  cpuUsageNs: number;
  pids: number;
  oomKills: number;
}

export interface CgroupManager {
  readonly version: 'v1' | 'v2';
  readonly root: string;
  /** Creates `skiff/<uuid>` (and the `skiff` parent) in every hierarchy used. Idempotent. */
  createPod(pod: CgroupPath): void;
  /** Creates the app's child of the pod cgroup (and the pod's, if missing); returns its path. */
  createApp(pod: CgroupPath, app: AppName): CgroupPath;
  applyLimits(cgroup: CgroupPath, limits: CgroupLimits): void;
  addProcess(cgroup: CgroupPath, pid: number): Promise<void>;
  /** Every pid in the cgroup and its descendants, sorted. */
  listProcesses(cgroup: CgroupPath): number[];
  /**
   * Signals every process in the cgroup and its descendants, without letting a fork slip
   * through. For SIGKILL it returns once the cgroup is empty (or throws, naming who is left).
   * Returns the pids it saw; a cgroup that does not exist has none (gc after a crash).
   */
  killAll(cgroup: CgroupPath, signal: NodeJS.Signals): Promise<number[]>;
  /** Removes the pod cgroup depth-first from every hierarchy, waiting briefly for exiting processes. */
  remove(pod: CgroupPath): Promise<void>;
  readStats(cgroup: CgroupPath): CgroupStats;
  /** True when the kernel's OOM killer has killed a process of this cgroup. */
  oomKilled(cgroup: CgroupPath): boolean;
  /** The cgroup's directories, one per hierarchy used (for messages and --debug). */
  dirs(cgroup: CgroupPath): string[];
}

export interface CgroupManagerOptions {
  layout: CgroupLayout;
  /** Where the hierarchies are mounted: /sys/fs/cgroup, or a test's temp dir. */
  root: string;
  host: Pick<Host, 'kill'>;
  fs?: CgroupFs;
  timing?: Partial<CgroupTiming>;
  log?: Logger;
}

/** What the v1 and v2 managers are built from. */
export interface ManagerDeps {
  root: string;
  host: Pick<Host, 'kill'>;
  fs: CgroupFs;
  timing: CgroupTiming;
  log: Logger | undefined;
}

export function createCgroupManager(opts: CgroupManagerOptions): CgroupManager {
  const deps: ManagerDeps = {
    root: opts.root,
    host: opts.host,
    fs: opts.fs ?? createNodeCgroupFs(),
    timing: resolveTiming(opts.timing),
    log: opts.log,
  };
  return opts.layout === 'v2' ? createV2Manager(deps) : createV1Manager(deps);
}
