import { SkiffError } from '../../common/errors.ts';

/**
 * The pid a run.sh passed in the environment: its own, which the process it execs at the end
 * (fly's app, default's monitor) keeps. Only run.sh starts the run script (fly's run.mjs,
 * default's run.cjs), so a missing one is a bug.
 */
export function launcherPidFromEnv(env: NodeJS.ProcessEnv, name: string, flavor: string): number {
  const pid = Number(env[name]);
  if (!Number.isSafeInteger(pid) || pid <= 0) {
    throw new SkiffError('STAGE1_FAILED', `the ${flavor} stage1's run script is started by its run entrypoint (${name} is not set)`);
  }
  return pid;
}
