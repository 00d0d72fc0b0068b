// The fly `stop` entrypoint: signals the app (SIGTERM) and returns at once. With --force it
// SIGKILLs every process that still holds the pod directory open: the app, and whatever it
// left behind with the lock fd (a background child inherits it and keeps the pod "running").
// A pod that has no pid or whose pid is gone is already stopped, which is not an error.
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
    try {
      const st = fs.statSync(`/proc/${pid}/fd/${fd}`);
      return st.dev === pod.dev && st.ino === pod.ino;
    } catch {
      return false; // closed meanwhile, or not ours to look at
    }
  });
}

/** Every process holding the pod directory open, but the exit watcher (it must record the status). */
function podDirHolders(podRoot: string): number[] {
  const out: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid || !holdsPodDir(pid, podRoot)) continue;
    let cmdline = '';
    try {
      cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (!cmdline.includes('exit-watcher.pl')) out.push(pid);
  }
  return out;
}

async function main(argv: readonly string[]): Promise<number> {
  const opts = parseStopArgs(argv);
  const ctx = await createStage1Ctx(opts, FLAVOR, 'stop');
  const pid = readPodPid(ctx.podRoot);
  if (pid === undefined || (!opts.force && !holdsPodDir(pid, ctx.podRoot))) {
    ctx.log.debug({ pid }, 'the pod is not running: nothing to stop');
    return 0;
  }
  if (!opts.force) {
    const sent = ctx.host.kill(pid, 'SIGTERM');
    ctx.log.debug({ pid, sent }, 'signalled the app');
    return 0;
  }
  for (const holder of podDirHolders(ctx.podRoot)) {
    const sent = ctx.host.kill(holder, 'SIGKILL');
    ctx.log.debug({ pid: holder, sent }, 'killed a process holding the pod');
  }
  return 0;
}

await runEntrypoint(main);
