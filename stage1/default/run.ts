// The Node half of the default `run`, used two ways (docs/stage1-interface.md):
// - as the run module: stage0 imports this file into its own Node process and calls
//   prepareRun, which prepares the pod and returns the monitor for stage0 to exec. One Node
//   start-up fewer per pod than the other way.
// - as a program, started by run.sh as a child (run.sh keeps the pod lock on fd 3, which Node
//   could not hand on): it prepares the pod and prints the path of the monitor plan on stdout,
//   which run.sh then execs the monitor with. That stdout is run.sh's pipe, never the pod's.
import { realpathSync, writeSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as layout from '../../common/layout.ts';
import type { Stage1RunRequest, Stage1RunResult } from '../../common/stage1-interface.ts';
import { parseRunArgs } from '../common/entrypoint-args.ts';
import { runEntrypoint, runModuleBody } from '../common/entrypoint.ts';
import { lockFdFromEnv } from '../common/pod-lock.ts';
import { createStage1Ctx } from '../common/stage1-context.ts';
import { FLAVOR } from './flavor.ts';
import { preparePod } from './prepare-pod.ts';
import { launcherPidFromEnv } from '../common/launcher-pid.ts';

/** Set by run.sh: its own pid, which the monitor keeps when run.sh execs it. */
const MONITOR_PID_ENV = 'SKIFF_MONITOR_PID';

/** The monitor, inside the stage1 rootfs (stage1-images/build-stage1-images.ts puts it there). */
const MONITOR_IN_ROOTFS = 'skiff/stage1/monitor.sh';

/** The run module's entry: the pod prepared, the monitor to exec with its plan. */
export async function prepareRun(request: Stage1RunRequest): Promise<Stage1RunResult> {
  return runModuleBody(request.args, async (argv) => {
    const opts = parseRunArgs(argv);
    const ctx = await createStage1Ctx(opts, FLAVOR, 'run', request.podDir);
    const plan = await preparePod(ctx, {
      opts,
      lockFd: request.lockFd,
      env: request.env,
      monitorPid: request.pid,
      stdinIsTty: request.stdinIsTty,
    });
    // From the pod's stage1 rootfs: stage0 may have loaded this module from elsewhere (the store).
    const monitor = path.join(layout.stage1RootfsPath(request.podDir), MONITOR_IN_ROOTFS);
    ctx.log.debug({ plan }, 'handing over to the monitor');
    return { exec: { file: '/bin/bash', args: [monitor, plan] } };
  });
}

async function main(argv: readonly string[]): Promise<number> {
  const opts = parseRunArgs(argv);
  const ctx = await createStage1Ctx(opts, FLAVOR, 'run');
  const monitorPid = launcherPidFromEnv(process.env, MONITOR_PID_ENV, 'default');
  const plan = await preparePod(ctx, {
    opts,
    lockFd: lockFdFromEnv(process.env),
    env: process.env,
    monitorPid,
    // run.cjs gets no stdin (it belongs to the apps), so run.sh says whether it is a terminal.
    stdinIsTty: process.env['SKIFF_STDIN_IS_TTY'] === '1',
  });
  ctx.log.debug({ plan }, 'handing over to the monitor');
  writeSync(1, `${plan}\n`);
  return 0;
}

/** Whether Node runs this file as its main script (run.sh), not as a module stage0 loaded. */
function isMainScript(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

// Not awaited: the bundle is CommonJS (no top-level await), and runEntrypoint never rejects.
if (isMainScript()) void runEntrypoint(main);
