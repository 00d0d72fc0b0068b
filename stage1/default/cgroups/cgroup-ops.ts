// What the v1 and v2 managers do the same way: validate limits, signal a cgroup's processes
// until none are left, and remove a cgroup tree depth-first while its processes finish exiting.
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SkiffError, describeCause } from '../../../common/errors.ts';
import type { Host } from '../../../common/host.ts';
import type { Logger } from '../../../common/log.ts';
import type { CgroupFs } from './cgroup-fs.ts';
import { cgroupWriteError, isErrno } from './cgroup-fs.ts';
import type { CgroupLimits } from './manager.ts';

export interface CgroupTiming {
  /** Between two looks at a cgroup that is freezing, emptying or being removed. */
  pollMs: number;
  /** How long a freeze may take before we signal unfrozen (a task stuck in D state, say). */
  freezeTimeoutMs: number;
  /** How long SIGKILLed processes may take to leave the cgroup. */
  killTimeoutMs: number;
  /** How long remove() retries rmdir on a cgroup that still has exiting processes. */
  removeTimeoutMs: number;
}

const DEFAULT_TIMING: Readonly<CgroupTiming> = { pollMs: 10, freezeTimeoutMs: 1000, killTimeoutMs: 5000, removeTimeoutMs: 2000 };

export function resolveTiming(partial: Partial<CgroupTiming> = {}): CgroupTiming {
  return { ...DEFAULT_TIMING, ...partial };
}

type NumericLimit = Exclude<keyof CgroupLimits, 'memswToo'>;

const LIMIT_RANGES: Readonly<Record<NumericLimit, readonly [number, number]>> = {
  memoryBytes: [4096, Number.MAX_SAFE_INTEGER],
  cpuQuotaUs: [1000, Number.MAX_SAFE_INTEGER],
  // The kernel's bounds for cpu.cfs_period_us / cpu.max's period: 1 ms to 1 s.
  cpuPeriodUs: [1000, 1_000_000],
  cpuShares: [2, 262_144],
  pidsMax: [1, Number.MAX_SAFE_INTEGER],
};

/** Refuses limits the kernel would reject with a bare EINVAL, naming the one that is wrong. */
export function validateLimits(limits: CgroupLimits): void {
  for (const [key, [min, max]] of Object.entries(LIMIT_RANGES) as [NumericLimit, readonly [number, number]][]) {
    const value = limits[key];
    if (value === undefined) continue;
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new SkiffError('USAGE', `invalid cgroup limit ${key}=${value}: use an integer from ${min} to ${max}`);
    }
  }
}

/** Writes a pid to cgroup.procs; EINVAL can mean the task is still being forked (runc retries too). */
export async function writePid(cfs: CgroupFs, dir: string, pid: number, timing: CgroupTiming): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      cfs.write(path.join(dir, 'cgroup.procs'), String(pid));
      return;
    } catch (err) {
      if (isErrno(err, 'EINVAL') && attempt < 5) {
        await sleep(timing.pollMs);
        continue;
      }
      if (isErrno(err, 'ESRCH')) throw new SkiffError('IO', `cannot move process ${pid} into ${dir}: it has exited`, { cause: err });
      throw cgroupWriteError(path.join(dir, 'cgroup.procs'), String(pid), err);
    }
  }
}

/** Polls `done` until it holds or `timeoutMs` passes; returns whether it held. */
export async function pollUntil(done: () => boolean, timeoutMs: number, pollMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (done()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(pollMs);
  }
}

export interface SignalOps {
  list(): number[];
  /** Freezes the cgroup; false when it cannot (no freezer, or it did not settle in time). */
  freeze?(): Promise<boolean>;
  thaw?(): void;
}

/**
 * Signals every process of a cgroup. Frozen, nothing can fork between the listing and the
 * kill; without a freezer the SIGKILL loop runs again until the cgroup is empty, catching
 * what forked in between (runc's signalAllProcesses, Nomad's executor).
 */
export async function signalAll(
  ops: SignalOps,
  host: Pick<Host, 'kill'>,
  signal: NodeJS.Signals,
  timing: CgroupTiming,
  what: string,
): Promise<number[]> {
  const seen = new Set<number>();
  const deadline = Date.now() + timing.killTimeoutMs;
  for (;;) {
    const frozen = ops.freeze ? await ops.freeze() : false;
    try {
      for (const pid of ops.list()) {
        seen.add(pid);
        host.kill(pid, signal);
      }
    } finally {
      // Killed while frozen, a task dies once thawed; leaving it frozen would leave it forever.
      if (frozen) ops.thaw?.();
    }
    if (signal !== 'SIGKILL') return [...seen].sort((a, b) => a - b);
    const empty = await pollUntil(() => ops.list().length === 0, Math.min(100, timing.killTimeoutMs), timing.pollMs);
    if (empty) return [...seen].sort((a, b) => a - b);
    if (Date.now() >= deadline) {
      throw survivorsError(ops.list(), what);
    }
  }
}

/** What is left after SIGKILL and the kill timeout: most likely a task in uninterruptible sleep. */
export function survivorsError(pids: readonly number[], what: string): SkiffError {
  return new SkiffError('IO', `processes ${pids.join(', ')} in ${what} survived SIGKILL`, {
    hint: 'a process stuck in the kernel (D state) cannot be killed until its I/O returns',
  });
}

/** Removes a cgroup and its children, deepest first; a cgroup already gone is fine. */
function rmdirDepthFirst(cfs: CgroupFs, dir: string): void {
  for (const child of cfs.subdirs(dir)) rmdirDepthFirst(cfs, path.join(dir, child));
  try {
    cfs.rmdir(dir);
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err;
  }
}

/**
 * Removes each of `dirs` (one pod cgroup per hierarchy). rmdir fails with EBUSY while a
 * process is still exiting (its cgroup is released after the parent reaps it, or a moment
 * after SIGKILL), so retry until `removeTimeoutMs`.
 */
export async function removeTrees(
  cfs: CgroupFs,
  dirs: readonly string[],
  timing: CgroupTiming,
  remaining: () => number[],
  log: Logger | undefined,
): Promise<void> {
  const deadline = Date.now() + timing.removeTimeoutMs;
  for (const dir of dirs) {
    for (;;) {
      try {
        rmdirDepthFirst(cfs, dir);
        break;
      } catch (err) {
        if (!isErrno(err, 'EBUSY', 'ENOTEMPTY') || Date.now() >= deadline) {
          const pids = remaining();
          const who = pids.length > 0 ? `: processes ${pids.join(', ')} are still in it` : '';
          throw new SkiffError('IO', `removing cgroup ${dir}${who} (${describeCause(err)})`, {
            cause: err,
            ...(pids.length > 0 ? { hint: 'stop the pod first (skiff stop --force)' } : {}),
          });
        }
        log?.debug({ dir }, 'cgroup busy, retrying rmdir');
        await sleep(timing.pollMs);
      }
    }
  }
}
