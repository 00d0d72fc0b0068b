// The pod's sandbox: a tiny pid-1 process that owns the pod's PID, IPC, UTS and (unless
// --net=host) network namespaces, which every app then joins by path (/proc/PID/ns/…), as a
// Kubernetes pause container does. It is
//   unshare --pid --fork --ipc --uts [--net] --kill-child -- /bin/sh -c SCRIPT
// where SCRIPT sets the hostname in the new UTS namespace (writing /proc/sys/kernel/hostname,
// no extra binary), brings loopback up in a new network namespace, says `ready`, and execs
// `catatonit -P`: an init that reaps the orphans of every app (they are reparented to the
// namespace's pid 1) and otherwise sleeps, in 0.7 MB. Killing it with SIGKILL kills every
// process in the pod's PID namespace (the kernel's zap_pid_ns_processes).
//
// It is started detached (its own session) so a Ctrl-C on the terminal reaches the apps
// through the monitor, not the sandbox, and it never holds the pod lock (Node opens nothing
// inheritable). Its pid and start time are recorded, so nobody ever signals a reused pid.
// A short-lived shell puts it in the background and exits, so it is nobody's child: run in
// stage0's process (the run module), it would otherwise become a child of the monitor that
// process execs, and a bash waiting for "any child" would then wait for the pod's sandbox.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { SkiffError, wrap } from '../../../common/errors.ts';
import type { Host } from '../../../common/host.ts';
import { podSandboxPath } from '../../../common/layout.ts';
import { VOLATILE, writeJsonAtomic } from '../../../common/write-atomic.ts';

export interface SandboxRecord {
  /** The sandbox's pid-1 (catatonit) as the host sees it: /proc/PID/ns/* are the pod's namespaces. */
  pid: number;
  /** Its start time (field 22 of /proc/PID/stat, clock ticks since boot): tells it from a reused pid. */
  startTime: number;
}

export interface SandboxTools {
  unshare: string;
  catatonit: string;
  /** iproute2's ip, to bring loopback up; only with a network namespace. */
  ip?: string;
}

export interface StartSandboxOptions {
  hostname: string;
  /** A network namespace of the pod's own (every --net but host). */
  ownNetwork: boolean;
  tools: SandboxTools;
  timeoutMs?: number;
}

const SCRIPT = [
  'printf %s "$1" > /proc/sys/kernel/hostname || exit 1',
  'if [ -n "$2" ]; then "$2" link set lo up || exit 1; fi',
  'echo ready',
  'exec "$3" -P </dev/null >/dev/null 2>&1',
].join('\n');

/** The argv that starts a sandbox (pure). */
export function sandboxCommand(opts: StartSandboxOptions): string[] {
  const ns = ['--pid', '--fork', '--ipc', '--uts', ...(opts.ownNetwork ? ['--net'] : []), '--kill-child'];
  const ip = opts.ownNetwork ? (opts.tools.ip ?? '') : '';
  return [opts.tools.unshare, ...ns, '--', '/bin/sh', '-c', SCRIPT, 'skiff-sandbox', opts.hostname, ip, opts.tools.catatonit];
}

/** Starts `argv` in the background of a shell that prints its pid and exits (pure). */
export function launchInBackground(argv: readonly string[]): string[] {
  return ['/bin/sh', '-c', '"$@" & echo "$!"', 'skiff-sandbox-launch', ...argv];
}

/** Field 22 (starttime) of a /proc/PID/stat text; the command name may contain spaces and parentheses. */
export function parseStatStartTime(stat: string): number | undefined {
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const value = Number(rest[19]);
  return Number.isSafeInteger(value) ? value : undefined;
}

export function readStartTime(pid: number): number | undefined {
  try {
    return parseStatStartTime(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Whether the recorded sandbox is still that process (not gone, not a reused pid). */
export function sandboxAlive(rec: SandboxRecord): boolean {
  return readStartTime(rec.pid) === rec.startTime;
}

function childOf(pid: number): number | undefined {
  try {
    const first = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/)[0];
    return first ? Number(first) : undefined;
  } catch {
    return undefined;
  }
}

/** Starts the sandbox and waits until its namespaces are set up; returns its record. */
export async function startSandbox(opts: StartSandboxOptions): Promise<SandboxRecord> {
  const argv = sandboxCommand(opts);
  const launch = launchInBackground(argv);
  const child = spawn(launch[0]!, launch.slice(1), { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let helper: number | undefined;
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timeoutMs = opts.timeoutMs ?? 10_000;
  let timer: NodeJS.Timeout | undefined;
  const outcome = await new Promise<'ready' | string>((resolve) => {
    timer = setTimeout(() => resolve(`it did not start within ${timeoutMs} ms`), timeoutMs);
    child.once('error', (err) => resolve(err.message));
    child.once('exit', (code, signal) => {
      if (code !== 0) resolve(`it could not be started (${signal ?? code}): ${stderr.trim() || 'no message'}`);
    });
    // Line 1: the pid of unshare (from the launching shell); then `ready`, once the hostname
    // is set and loopback is up. The pipe ends only when the sandbox is gone.
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      const first = /^(\d+)\n/.exec(stdout);
      if (first) helper = Number(first[1]);
      if (first && stdout.slice(first[0].length).includes('ready\n')) resolve('ready');
    });
    const exited = (): void => resolve(`it exited: ${stderr.trim() || 'no message'}`);
    // Its last words on stderr may come after stdout's end.
    child.stdout.once('end', () => (child.stderr.readableEnded ? exited() : child.stderr.once('end', exited)));
  });
  clearTimeout(timer);
  child.stdout.destroy();
  child.stderr.destroy();
  child.unref();
  const pid = outcome === 'ready' && helper !== undefined ? childOf(helper) : undefined;
  const startTime = pid === undefined ? undefined : readStartTime(pid);
  if (pid === undefined || startTime === undefined) {
    if (helper !== undefined) killQuietly(helper);
    throw new SkiffError('STAGE1_FAILED', `cannot start the pod's sandbox (${argv.slice(0, 8).join(' ')} …): ${outcome === 'ready' ? 'its pid 1 is gone' : outcome}`, {
      hint: 'the default stage1 needs util-linux unshare, catatonit and iproute2',
    });
  }
  return { pid, startTime };
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

export function writeSandboxRecord(podRoot: string, rec: SandboxRecord): void {
  try {
    writeJsonAtomic(podSandboxPath(podRoot), rec, 0o644, VOLATILE);
  } catch (err) {
    throw wrap(err, 'writing the sandbox record');
  }
}

export function readSandboxRecord(podRoot: string): SandboxRecord | undefined {
  try {
    const rec = JSON.parse(fs.readFileSync(podSandboxPath(podRoot), 'utf8')) as SandboxRecord;
    return Number.isSafeInteger(rec.pid) && Number.isSafeInteger(rec.startTime) ? rec : undefined;
  } catch {
    return undefined;
  }
}

/** SIGKILLs the sandbox (and so every process of the pod's PID namespace) and waits until it is gone. */
export async function killSandbox(host: Pick<Host, 'kill'>, rec: SandboxRecord, timeoutMs = 5000): Promise<boolean> {
  if (!sandboxAlive(rec)) return false;
  host.kill(rec.pid, 'SIGKILL');
  const deadline = Date.now() + timeoutMs;
  while (sandboxAlive(rec) && Date.now() < deadline) await sleep(5);
  return true;
}
