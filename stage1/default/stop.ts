// The default `stop` entrypoint: SIGTERM to the pod's monitor, which forwards it to the apps
// and SIGKILLs them after its grace period; with --force, SIGKILL to the sandbox, the pod's
// pid 1, so the kernel kills every process of the pod at once and the monitor (which cannot
// be asked to forward a SIGKILL) sees its apps die and tears down. Returns at once. A pod
// that is not running is not an error.
import { parseStopArgs } from '../common/entrypoint-args.ts';
import { runEntrypoint } from '../common/entrypoint.ts';
import { readPodPid } from '../common/pod-files.ts';
import { processHoldsDir } from '../common/pod-process.ts';
import { createStage1Ctx } from '../common/stage1-context.ts';
import { FLAVOR } from './flavor.ts';
import { readSandboxRecord, sandboxAlive } from './sandbox/sandbox.ts';

async function main(argv: readonly string[]): Promise<number> {
  const opts = parseStopArgs(argv);
  const ctx = await createStage1Ctx(opts, FLAVOR, 'stop');
  const pid = readPodPid(ctx.podRoot);
  const monitor = pid !== undefined && processHoldsDir(pid, ctx.podRoot) ? pid : undefined;
  if (opts.force) {
    const sandbox = readSandboxRecord(ctx.podRoot);
    if (sandbox && sandboxAlive(sandbox)) {
      ctx.host.kill(sandbox.pid, 'SIGKILL');
      ctx.log.debug({ pid: sandbox.pid }, 'killed the sandbox and so every process of the pod');
      return 0;
    }
  }
  if (monitor === undefined) {
    ctx.log.debug({ pid }, 'the pod is not running: nothing to stop');
    return 0;
  }
  const signal = opts.force ? 'SIGKILL' : 'SIGTERM';
  ctx.host.kill(monitor, signal);
  ctx.log.debug({ pid: monitor, signal }, 'signalled the monitor');
  return 0;
}

await runEntrypoint(main);
