import { SkiffError } from '../../common/errors.ts';

/**
 * The pid a run.sh passed in the environment: its own, which the process it execs at the end
 * (fly's app, default's monitor) keeps. Only run.sh starts run.mjs, so a missing one is a bug.
 */
export function launcherPidFromEnv(env: NodeJS.ProcessEnv, name: string, flavor: string): number {
  const pid = Number(env[name]);
  if (!Number.isSafeInteger(pid) || pid <= 0) {
    throw new SkiffError('STAGE1_FAILED', `run.mjs is started by the ${flavor} run entrypoint (${name} is not set)`);
  }
  return pid;
}
