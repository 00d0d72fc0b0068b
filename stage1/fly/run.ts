// The Node half of the fly `run` entrypoint, started by run.sh as a child (see run.sh for
// why): it prepares the pod and prints the exec chain as shell words on stdout, which
// run.sh then execs. Its stdout is run.sh's pipe, never the pod's; it writes nothing else there.
import { writeSync } from 'node:fs';
import { parseRunArgs } from '../common/entrypoint-args.ts';
import { runEntrypoint } from '../common/entrypoint.ts';
import { findHostTool, shellExecWords, shellQuote } from '../common/exec-chain.ts';
import { lockFdFromEnv } from '../common/pod-lock.ts';
import { createStage1Ctx } from '../common/stage1-context.ts';
import { FLAVOR } from './flavor.ts';
import { prepareRun } from './prepare-run.ts';
import { launcherPidFromEnv } from '../common/launcher-pid.ts';

/** Set by run.sh: its own pid, which the app inherits when run.sh execs the chain. */
const APP_PID_ENV = 'SKIFF_FLY_APP_PID';

async function main(argv: readonly string[]): Promise<number> {
  const opts = parseRunArgs(argv);
  const ctx = await createStage1Ctx(opts, FLAVOR, 'run');
  const appPid = launcherPidFromEnv(process.env, APP_PID_ENV, 'fly');
  const { cmd, statusFile } = prepareRun(ctx, { opts, appPid, lockFd: lockFdFromEnv(process.env), tools: { pathEnv: process.env.PATH } });
  const words = shellExecWords(cmd, findHostTool('env', process.env.PATH));
  ctx.log.debug({ file: cmd.file, args: cmd.args }, 'exec');
  // Line 1: where the exit watcher writes the status; line 2: the exec chain (run.sh).
  writeSync(1, `${shellQuote(statusFile)}\n${words}`);
  return 0;
}

await runEntrypoint(main);
