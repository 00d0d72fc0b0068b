// The Node half of the default `run` entrypoint, started by run.sh as a child (run.sh keeps
// the pod lock on fd 3, which Node could not hand on): it prepares the pod and prints the
// path of the monitor plan on stdout, which run.sh then execs the monitor with. Its stdout
// is run.sh's pipe, never the pod's; it writes nothing else there.
import { writeSync } from 'node:fs';
import { parseRunArgs } from '../common/entrypoint-args.ts';
import { runEntrypoint } from '../common/entrypoint.ts';
import { lockFdFromEnv } from '../common/pod-lock.ts';
import { createStage1Ctx } from '../common/stage1-context.ts';
import { FLAVOR } from './flavor.ts';
import { preparePod } from './prepare-pod.ts';
import { launcherPidFromEnv } from '../common/launcher-pid.ts';

/** Set by run.sh: its own pid, which the monitor keeps when run.sh execs it. */
const MONITOR_PID_ENV = 'SKIFF_MONITOR_PID';

async function main(argv: readonly string[]): Promise<number> {
  const opts = parseRunArgs(argv);
  const ctx = await createStage1Ctx(opts, FLAVOR, 'run');
  const monitorPid = launcherPidFromEnv(process.env, MONITOR_PID_ENV, 'default');
  const plan = await preparePod(ctx, { opts, lockFd: lockFdFromEnv(process.env), env: process.env, monitorPid });
  ctx.log.debug({ plan }, 'handing over to the monitor');
  writeSync(1, `${plan}\n`);
  return 0;
}

await runEntrypoint(main);
