// The pod lock: an exclusive flock on the pod directory, held by whoever is changing the pod
// (prepare, gc, rm) or, for a running pod, by stage1 for the pod's whole life.
//
// Handing it to stage1 across execve: Node opens every fd close-on-exec and its execve keeps
// only fds 0-2 (it clears close-on-exec on those). So for `run` the pod directory is opened
// onto fd 0 (close 0, then open returns the lowest free fd) and locked there; the launcher
// (bin/skiff) has put a copy of the real stdin on fd 3, and a one-line shell swaps the two
// before stage1 starts, which then finds the lock on fd 3 and stdin on fd 0. The lock is an
// attribute of the open file description, so it is never released on the way.
// See docs/pod-lifecycle.md.
import fs from 'node:fs';
import type { Host } from '../../common/host.ts';
import { SkiffError } from '../../common/errors.ts';
import { findFlockHolder, parseProcLocks, type ProcLock } from '../../common/proc-locks.ts';

export interface PodLock extends Disposable {
  readonly fd: number;
  release(): void;
}

function lockFd(host: Host, fd: number, dir: string, wait: boolean | number): PodLock {
  try {
    if (!host.flock(fd, 'exclusive', wait)) {
      throw new SkiffError('POD_LOCKED', `pod ${dir} is locked by another skiff process`, {
        hint: 'it is being prepared, run or removed right now',
      });
    }
  } catch (err) {
    fs.closeSync(fd);
    throw err;
  }
  let open = true;
  const release = (): void => {
    if (!open) return;
    open = false;
    fs.closeSync(fd);
  };
  return { fd, release, [Symbol.dispose]: release };
}

/** Locks a pod directory on a fresh fd; fails at once (POD_LOCKED) when someone holds it. */
export function lockPodDir(host: Host, dir: string, wait: boolean | number = false): PodLock {
  return lockFd(host, fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY), dir, wait);
}

/**
 * Locks a pod directory on fd 0, so that process.execve hands the lock to stage1. Only for
 * the `run` path of the CLI, whose stdin the launcher has saved on fd 3.
 */
export function lockPodDirOnFd0(host: Host, dir: string): PodLock {
  fs.closeSync(0);
  const fd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  if (fd !== 0) {
    fs.closeSync(fd);
    throw new SkiffError('INTERNAL', `opening the pod directory gave fd ${fd}, not 0`);
  }
  return lockFd(host, fd, dir, false);
}

/** Who holds the flock on a directory, without touching the lock (reads /proc/locks). */
export function podLockHolder(locks: readonly ProcLock[], dir: string): ProcLock | undefined {
  let st: fs.BigIntStats;
  try {
    st = fs.statSync(dir, { bigint: true });
  } catch {
    return undefined;
  }
  return findFlockHolder(locks, st.dev, st.ino);
}

export function readLocks(host: Host): ProcLock[] {
  return parseProcLocks(host.readProcFile('locks'));
}
