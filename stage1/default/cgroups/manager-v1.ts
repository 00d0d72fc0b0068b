// The cgroup v1 manager (legacy and hybrid hosts): one hierarchy per controller, each mounted at
// <root>/<controller> (co-mounted ones like `cpu,cpuacct` behind symlinks, systemd's layout).
// A pod's cgroup is made in each hierarchy skiff uses; remove() clears it from every hierarchy
// under the root, since the OCI runtime creates the same path in all of them (and, on a hybrid
// host, in the cgroup2 tree at <root>/unified).
import path from 'node:path';
import { SkiffError } from '../../../common/errors.ts';
import type { AppName } from '../../../common/ids.ts';
import { isErrno, readCgroupInt, readCgroupKeyed, readProcs, writeCgroupFile } from './cgroup-fs.ts';
import { appCgroupPath } from './cgroup-paths.ts';
import type { CgroupPath } from './cgroup-paths.ts';
import { pollUntil, removeTrees, signalAll, validateLimits, writePid } from './cgroup-ops.ts';
import type { CgroupLimits, CgroupManager, CgroupStats, ManagerDeps } from './manager.ts';

/** The controllers skiff creates pod cgroups in: limits, accounting, and killing a whole cgroup. */
export const V1_CONTROLLERS = ['memory', 'cpu', 'cpuacct', 'pids', 'freezer'] as const;
export type V1Controller = (typeof V1_CONTROLLERS)[number];

export function createV1Manager(deps: ManagerDeps): CgroupManager {
  const { root, fs: cfs, host, timing, log } = deps;

  /** A controller's hierarchy (symlinks resolved), or undefined when it is not mounted. */
  function hierarchy(controller: V1Controller): string | undefined {
    const mount = path.join(root, controller);
    return cfs.exists(mount) ? cfs.realpath(mount) : undefined;
  }

  /** The hierarchies skiff uses, each once even when controllers share one. */
  function usedHierarchies(): string[] {
    const found = new Set<string>();
    for (const c of V1_CONTROLLERS) {
      const h = hierarchy(c);
      if (h) found.add(h);
    }
    return [...found];
  }

  function controllerDir(controller: V1Controller, cgroup: CgroupPath, purpose: string): string {
    const h = hierarchy(controller);
    if (!h) throw new SkiffError('IO', `cannot ${purpose}: no ${controller} cgroup hierarchy is mounted at ${path.join(root, controller)}`);
    const dir = path.join(h, cgroup);
    if (!cfs.exists(path.join(dir, 'cgroup.procs'))) throw new SkiffError('IO', `cgroup ${dir} does not exist`);
    return dir;
  }

  function createPod(pod: CgroupPath): void {
    for (const h of usedHierarchies()) {
      let dir = h;
      for (const segment of pod.split('/')) {
        dir = path.join(dir, segment);
        cfs.mkdir(dir);
      }
    }
  }

  function listProcesses(cgroup: CgroupPath): number[] {
    const pids = new Set<number>();
    const walk = (dir: string): void => {
      for (const pid of readProcs(cfs, dir)) pids.add(pid);
      for (const child of cfs.subdirs(dir)) walk(path.join(dir, child));
    };
    for (const h of usedHierarchies()) walk(path.join(h, cgroup));
    return [...pids].sort((a, b) => a - b);
  }

  /**
   * memory.memsw.limit_in_bytes (memory + swap) may never be below memory.limit_in_bytes, so
   * raising both writes memsw first and lowering writes it last. Its absence (swap accounting
   * off) is fine: there is then no swap to limit.
   */
  function setMemory(dir: string, bytes: number, memswToo: boolean): void {
    const hasMemsw = memswToo && cfs.exists(path.join(dir, 'memory.memsw.limit_in_bytes'));
    const currentMemsw = hasMemsw ? readCgroupInt(cfs, dir, 'memory.memsw.limit_in_bytes') : undefined;
    const memswFirst = currentMemsw !== undefined && bytes > currentMemsw;
    if (memswFirst) writeCgroupFile(cfs, dir, 'memory.memsw.limit_in_bytes', String(bytes));
    writeCgroupFile(cfs, dir, 'memory.limit_in_bytes', String(bytes));
    if (hasMemsw && !memswFirst) writeCgroupFile(cfs, dir, 'memory.memsw.limit_in_bytes', String(bytes));
  }

  /** The kernel checks quota against period on each write, so one order can fail where the other works. */
  function setCpuQuota(dir: string, quotaUs: number | undefined, periodUs: number | undefined): void {
    const writes: [string, string][] = [];
    if (periodUs !== undefined) writes.push(['cpu.cfs_period_us', String(periodUs)]);
    writes.push(['cpu.cfs_quota_us', quotaUs === undefined ? '-1' : String(quotaUs)]);
    try {
      for (const [name, value] of writes) cfs.write(path.join(dir, name), value);
    } catch (err) {
      if (!isErrno(err, 'EINVAL')) throw err;
      for (const [name, value] of writes.reverse()) writeCgroupFile(cfs, dir, name, value);
    }
  }

  async function freeze(dir: string): Promise<boolean> {
    writeCgroupFile(cfs, dir, 'freezer.state', 'FROZEN');
    // FREEZING until every task has stopped; rewriting FROZEN retries tasks that were busy (runc does so too).
    const frozen = await pollUntil(
      () => {
        if (cfs.read(path.join(dir, 'freezer.state'))?.trim() === 'FROZEN') return true;
        writeCgroupFile(cfs, dir, 'freezer.state', 'FROZEN');
        return false;
      },
      timing.freezeTimeoutMs,
      timing.pollMs,
    );
    if (!frozen) {
      log?.debug({ dir }, 'cgroup did not freeze in time; signalling it unfrozen');
      writeCgroupFile(cfs, dir, 'freezer.state', 'THAWED');
    }
    return frozen;
  }

  return {
    version: 'v1',
    root,
    dirs: (cgroup) => usedHierarchies().map((h) => path.join(h, cgroup)),
    createPod,

    createApp(pod, app: AppName) {
      createPod(pod);
      const cgroup = appCgroupPath(pod, app);
      for (const h of usedHierarchies()) cfs.mkdir(path.join(h, cgroup));
      return cgroup;
    },

    applyLimits(cgroup, limits: CgroupLimits) {
      validateLimits(limits);
      if (limits.memoryBytes !== undefined) setMemory(controllerDir('memory', cgroup, 'limit memory'), limits.memoryBytes, limits.memswToo ?? true);
      if (limits.cpuQuotaUs !== undefined || limits.cpuPeriodUs !== undefined) {
        setCpuQuota(controllerDir('cpu', cgroup, 'set a CPU quota'), limits.cpuQuotaUs, limits.cpuPeriodUs);
      }
      if (limits.cpuShares !== undefined) {
        writeCgroupFile(cfs, controllerDir('cpu', cgroup, 'set CPU shares'), 'cpu.shares', String(limits.cpuShares));
      }
      if (limits.pidsMax !== undefined) {
        writeCgroupFile(cfs, controllerDir('pids', cgroup, 'limit pids'), 'pids.max', String(limits.pidsMax));
      }
    },

    async addProcess(cgroup, pid) {
      const dirs = usedHierarchies().map((h) => path.join(h, cgroup));
      for (const dir of dirs) {
        if (!cfs.exists(path.join(dir, 'cgroup.procs'))) throw new SkiffError('IO', `cgroup ${dir} does not exist`);
      }
      for (const dir of dirs) await writePid(cfs, dir, pid, timing);
    },

    listProcesses,

    async killAll(cgroup, signal) {
      const freezerHierarchy = hierarchy('freezer');
      const freezerDir = freezerHierarchy && path.join(freezerHierarchy, cgroup);
      const ops = { list: () => listProcesses(cgroup) };
      const what = `cgroup ${cgroup} under ${root}`;
      if (!freezerDir || !cfs.exists(path.join(freezerDir, 'freezer.state'))) return signalAll(ops, host, signal, timing, what);
      const thaw = (): void => writeCgroupFile(cfs, freezerDir, 'freezer.state', 'THAWED');
      return signalAll({ ...ops, freeze: () => freeze(freezerDir), thaw }, host, signal, timing, what);
    },

    async remove(pod) {
      // Every hierarchy, not just ours: runc creates the pod's path in cpuset, devices, blkio,
      // name=systemd and the hybrid cgroup2 tree as well.
      const all = new Set<string>();
      for (const name of cfs.subdirs(root)) all.add(cfs.realpath(path.join(root, name)));
      const dirs = [...all].sort().map((h) => path.join(h, pod));
      await removeTrees(cfs, dirs, timing, () => listProcesses(pod), log);
    },

    readStats(cgroup): CgroupStats {
      const memDir = controllerDir('memory', cgroup, 'read memory use');
      const stats: CgroupStats = {
        memoryBytes: readCgroupInt(cfs, memDir, 'memory.usage_in_bytes') ?? 0,
        cpuUsageNs: 0,
        pids: listProcesses(cgroup).length,
        oomKills: readCgroupKeyed(cfs, memDir, 'memory.oom_control').get('oom_kill') ?? 0,
      };
      const peak = readCgroupInt(cfs, memDir, 'memory.max_usage_in_bytes');
      if (peak !== undefined) stats.memoryMaxBytes = peak;
      const cpuacct = hierarchy('cpuacct');
      if (cpuacct) stats.cpuUsageNs = readCgroupInt(cfs, path.join(cpuacct, cgroup), 'cpuacct.usage') ?? 0;
      const pidsHierarchy = hierarchy('pids');
      const current = pidsHierarchy === undefined ? undefined : readCgroupInt(cfs, path.join(pidsHierarchy, cgroup), 'pids.current');
      if (current !== undefined) stats.pids = current;
      return stats;
    },

    oomKilled(cgroup) {
      // memory.oom_control's oom_kill counter (Linux 4.13); under_oom only says it is happening now.
      const counters = readCgroupKeyed(cfs, controllerDir('memory', cgroup, 'read OOM kills'), 'memory.oom_control');
      return (counters.get('oom_kill') ?? 0) > 0;
    },
  };
}
