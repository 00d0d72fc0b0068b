// The fly `stop` entrypoint: signals the app (SIGTERM, or SIGKILL with --force) and returns
// at once. The app is the pod's pid; a pod that has no pid or whose pid is gone is already
// stopped, which is not an error.
import fs from 'node:fs';
import { parseStopArgs } from '../common/entrypoint-args.ts';
import { runEntrypoint } from '../common/entrypoint.ts';
import { readPodPid } from '../common/pod-files.ts';
import { createStage1Ctx } from '../common/stage1-context.ts';
import { FLAVOR } from './flavor.ts';

/**
 * Whether process `pid` has the pod directory open. The fly app holds the pod lock's fd for
 * its whole life, so this tells our app from an unrelated process that reused its pid.
 */
function holdsPodDir(pid: number, podRoot: string): boolean {
  const pod = fs.statSync(podRoot);
  let fds: string[];
  try {
    fds = fs.readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false; // gone
  }
  return fds.some((fd) => {
    const st = fs.statSync(`/proc/${pid}/fd/${fd}`, { throwIfNoEntry: false });
    return st !== undefined && st.dev === pod.dev && st.ino === pod.ino;
  });
}

async function main(argv: readonly string[]): Promise<number> {
  const opts = parseStopArgs(argv);
  const ctx = await createStage1Ctx(opts, FLAVOR, 'stop');
  const pid = readPodPid(ctx.podRoot);
  if (pid === undefined || !holdsPodDir(pid, ctx.podRoot)) {
    ctx.log.debug({ pid }, 'the pod is not running: nothing to stop');
    return 0;
  }
  const signal = opts.force ? 'SIGKILL' : 'SIGTERM';
  const sent = ctx.host.kill(pid, signal);
  ctx.log.debug({ pid, signal, sent }, 'signalled the app');
  return 0;
}

await runEntrypoint(main);
