// The cgroup v2 manager: one unified tree at the root. Controllers reach a cgroup only through
// its parent's cgroup.subtree_control, so creating `skiff/<uuid>/<app>` enables them level by
// level; processes live only in the app leaves (v2's "no internal processes" rule).
import path from 'node:path';
import type { AppName } from '../../../common/ids.ts';
import { SkiffError } from '../../../common/errors.ts';
import { readCgroupInt, readCgroupKeyed, readProcs, writeCgroupFile } from './cgroup-fs.ts';
import { appCgroupPath } from './cgroup-paths.ts';
import type { CgroupPath } from './cgroup-paths.ts';
import { parseControllerList } from './detect-layout.ts';
import { pollUntil, removeTrees, signalAll, survivorsError, validateLimits, writePid } from './cgroup-ops.ts';
import type { CgroupLimits, CgroupManager, CgroupStats, ManagerDeps } from './manager.ts';

/**
 * cgroup v1 cpu.shares [2, 262144] (default 1024) → v2 cpu.weight [1, 10000] (default 100),
 * as runc and crun convert it since 2025 (opencontainers/cgroups, runc#4785, crun#1721): a
 * curve through the minimum, the default and the maximum, so the default 1024 maps to the
 * default 100 (the older linear formula gave 39). 0 means "unset".
 */
export function cpuSharesToWeight(shares: number): number {
  if (shares === 0) return 0;
  if (shares <= 2) return 1;
  if (shares >= 262_144) return 10_000;
  const l = Math.log2(shares);
  const exponent = (l * l + 125 * l) / 612 - 7 / 34;
  return Math.ceil(10 ** exponent);
}

export function createV2Manager(deps: ManagerDeps): CgroupManager {
  const { root, fs: cfs, host, timing, log } = deps;
  const dirOf = (cgroup: string): string => path.join(root, cgroup);

  /**
   * Enables in `dir` every controller its parent gave it, as runc does, so the runtime and
   * our limits find them in the children. One at a time after a failure: a controller the
   * host will not delegate must not keep the others off.
   */
  function enableControllers(dir: string): void {
    const available = parseControllerList(cfs.read(path.join(dir, 'cgroup.controllers')) ?? '');
    const enabled = new Set(parseControllerList(cfs.read(path.join(dir, 'cgroup.subtree_control')) ?? ''));
    const missing = available.filter((c) => !enabled.has(c));
    if (missing.length === 0) return;
    try {
      cfs.write(path.join(dir, 'cgroup.subtree_control'), missing.map((c) => `+${c}`).join(' '));
    } catch {
      for (const c of missing) {
        try {
          cfs.write(path.join(dir, 'cgroup.subtree_control'), `+${c}`);
        } catch (err) {
          log?.debug({ dir, controller: c, err }, 'cannot enable cgroup controller');
        }
      }
    }
  }

  function ensureCgroup(cgroup: string): void {
    let dir = root;
    for (const segment of cgroup.split('/')) {
      enableControllers(dir);
      dir = path.join(dir, segment);
      cfs.mkdir(dir);
    }
  }

  function createPod(pod: CgroupPath): void {
    ensureCgroup(pod);
    enableControllers(dirOf(pod));
  }

  function listProcesses(cgroup: CgroupPath): number[] {
    const pids = new Set<number>();
    const walk = (dir: string): void => {
      for (const pid of readProcs(cfs, dir)) pids.add(pid);
      for (const child of cfs.subdirs(dir)) walk(path.join(dir, child));
    };
    walk(dirOf(cgroup));
    return [...pids].sort((a, b) => a - b);
  }

  async function freeze(dir: string): Promise<boolean> {
    if (!cfs.exists(path.join(dir, 'cgroup.freeze'))) return false;
    writeCgroupFile(cfs, dir, 'cgroup.freeze', '1');
    // Freezing is asynchronous: cgroup.events says `frozen 1` once every task has stopped.
    const settled = (): boolean => readCgroupKeyed(cfs, dir, 'cgroup.events').get('frozen') === 1;
    const frozen = await pollUntil(settled, timing.freezeTimeoutMs, timing.pollMs);
    if (!frozen) {
      log?.debug({ dir }, 'cgroup did not freeze in time; signalling it unfrozen');
      writeCgroupFile(cfs, dir, 'cgroup.freeze', '0');
    }
    return frozen;
  }

  function requireCgroup(cgroup: CgroupPath): string {
    const dir = dirOf(cgroup);
    if (!cfs.exists(path.join(dir, 'cgroup.procs'))) throw new SkiffError('IO', `cgroup ${dir} does not exist`);
    return dir;
  }

  return {
    version: 'v2',
    root,
    dirs: (cgroup) => [dirOf(cgroup)],

    createPod,

    createApp(pod, app: AppName) {
      createPod(pod);
      const cgroup = appCgroupPath(pod, app);
      cfs.mkdir(dirOf(cgroup));
      return cgroup;
    },

    applyLimits(cgroup, limits: CgroupLimits) {
      validateLimits(limits);
      const dir = requireCgroup(cgroup);
      if (limits.memoryBytes !== undefined) {
        writeCgroupFile(cfs, dir, 'memory.max', String(limits.memoryBytes));
        // No swap beyond the limit: an app past --memory is OOM-killed, not pushed into swap.
        if (cfs.exists(path.join(dir, 'memory.swap.max'))) writeCgroupFile(cfs, dir, 'memory.swap.max', '0');
      }
      if (limits.cpuQuotaUs !== undefined || limits.cpuPeriodUs !== undefined) {
        const quota = limits.cpuQuotaUs === undefined ? 'max' : String(limits.cpuQuotaUs);
        writeCgroupFile(cfs, dir, 'cpu.max', limits.cpuPeriodUs === undefined ? quota : `${quota} ${limits.cpuPeriodUs}`);
      }
      if (limits.cpuShares !== undefined) writeCgroupFile(cfs, dir, 'cpu.weight', String(cpuSharesToWeight(limits.cpuShares)));
      if (limits.pidsMax !== undefined) writeCgroupFile(cfs, dir, 'pids.max', String(limits.pidsMax));
    },

    async addProcess(cgroup, pid) {
      await writePid(cfs, requireCgroup(cgroup), pid, timing);
    },

    listProcesses,

    async killAll(cgroup, signal) {
      const dir = dirOf(cgroup);
      if (!cfs.exists(path.join(dir, 'cgroup.procs'))) return [];
      const what = `cgroup ${dir}`;
      // cgroup.kill (Linux 5.14) SIGKILLs the whole subtree in the kernel, forks included.
      if (signal === 'SIGKILL' && cfs.exists(path.join(dir, 'cgroup.kill'))) {
        const pids = listProcesses(cgroup);
        writeCgroupFile(cfs, dir, 'cgroup.kill', '1');
        if (await pollUntil(() => listProcesses(cgroup).length === 0, timing.killTimeoutMs, timing.pollMs)) return pids;
        throw survivorsError(listProcesses(cgroup), what);
      }
      const ops = {
        list: () => listProcesses(cgroup),
        freeze: () => freeze(dir),
        thaw: () => writeCgroupFile(cfs, dir, 'cgroup.freeze', '0'),
      };
      return signalAll(ops, host, signal, timing, what);
    },

    async remove(pod) {
      await removeTrees(cfs, [dirOf(pod)], timing, () => listProcesses(pod), log);
    },

    readStats(cgroup): CgroupStats {
      const dir = requireCgroup(cgroup);
      const stats: CgroupStats = {
        memoryBytes: readCgroupInt(cfs, dir, 'memory.current') ?? 0,
        // cpu.stat is a core file: it is there even when the cpu controller is not enabled.
        cpuUsageNs: (readCgroupKeyed(cfs, dir, 'cpu.stat').get('usage_usec') ?? 0) * 1000,
        pids: readCgroupInt(cfs, dir, 'pids.current') ?? listProcesses(cgroup).length,
        oomKills: readCgroupKeyed(cfs, dir, 'memory.events').get('oom_kill') ?? 0,
      };
      const peak = readCgroupInt(cfs, dir, 'memory.peak'); // Linux 5.19
      if (peak !== undefined) stats.memoryMaxBytes = peak;
      return stats;
    },

    oomKilled(cgroup) {
      return (readCgroupKeyed(cfs, requireCgroup(cgroup), 'memory.events').get('oom_kill') ?? 0) > 0;
    },
  };
}
