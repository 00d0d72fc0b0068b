// Checking the pod lock stage0 hands over (docs/stage1-interface.md): SKIFF_LOCK_FD names an
// fd open on the pod directory that holds an exclusive flock. A stage1 started any other way
// would run a pod that `status` and `gc` see as dead, so it refuses.
import fs from 'node:fs';
import { SkiffError } from '../../common/errors.ts';
import { STAGE1_LOCK_FD, STAGE1_LOCK_FD_ENV } from '../../common/stage1-interface.ts';

/** The lock fd from the environment; it must be the interface's fd 3. */
export function lockFdFromEnv(env: NodeJS.ProcessEnv): number {
  const value = env[STAGE1_LOCK_FD_ENV];
  if (value === undefined) {
    throw new SkiffError('STAGE1_FAILED', `${STAGE1_LOCK_FD_ENV} is not set: stage1 must be started by skiff, holding the pod lock`);
  }
  if (value !== String(STAGE1_LOCK_FD)) {
    throw new SkiffError('STAGE1_FAILED', `${STAGE1_LOCK_FD_ENV}=${value}: this stage1 expects the pod lock on fd ${STAGE1_LOCK_FD}`);
  }
  return STAGE1_LOCK_FD;
}

/** Whether an fdinfo text shows an exclusive flock (`lock: 1: FLOCK ADVISORY WRITE …`). */
export function fdinfoHasExclusiveFlock(fdinfo: string): boolean {
  return /^lock:\s+\d+:\s+FLOCK\s+\S+\s+WRITE\s/m.test(fdinfo);
}

/** Throws unless `fd` is open on `podRoot` and holds an exclusive flock on it. */
export function checkPodLockFd(podRoot: string, fd: number): void {
  let fdStat: fs.Stats;
  let fdinfo: string;
  try {
    fdStat = fs.fstatSync(fd);
    fdinfo = fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8');
  } catch {
    throw new SkiffError('STAGE1_FAILED', `the pod lock fd ${fd} is not open: stage1 must be started by skiff, holding the pod lock`);
  }
  const podStat = fs.statSync(podRoot);
  if (fdStat.dev !== podStat.dev || fdStat.ino !== podStat.ino) {
    throw new SkiffError('STAGE1_FAILED', `fd ${fd} is not open on the pod directory ${podRoot}: stage1 must be started by skiff, holding the pod lock`);
  }
  if (!fdinfoHasExclusiveFlock(fdinfo)) {
    throw new SkiffError('STAGE1_FAILED', `fd ${fd} holds no exclusive lock on the pod directory ${podRoot}`);
  }
}
