// The pod's sandbox: a tiny pid-1 process that owns the pod's PID, IPC, UTS and (unless
// --net=host) network namespaces, which every app then joins by path (/proc/PID/ns/…), as a
// Kubernetes pause container does. It is
//   unshare --pid --fork --ipc --uts [--net] --kill-child -- /bin/sh -c SCRIPT
// where SCRIPT sets the hostname in the new UTS namespace (writing /proc/sys/kernel/hostname,
// no extra binary), brings loopback up in a new network namespace, makes its ready file, and execs
// `catatonit -P`: an init that reaps the orphans of every app (they are reparented to the
// namespace's pid 1) and otherwise sleeps, in 0.7 MB. Killing it with SIGKILL kills every
// process in the pod's PID namespace (the kernel's zap_pid_ns_processes).
//
// It is started in its own session (setsid) so a Ctrl-C on the terminal reaches the apps
// through the monitor, not the sandbox, and it never holds the pod lock (it gets fds 0-2 and
// nothing else). Its pid and start time are recorded, so nobody ever signals a reused pid.
// It is nobody's child: run in stage0's process (the run module), it would otherwise become a
// child of the monitor that process execs, and a bash waiting for "any child" would then wait
// for the pod's sandbox. The C helper starts it so (Host.spawnDetached, ~0.3 ms); without the
// helper, a short-lived shell run with spawnSync puts it in the background and exits (~4 ms
// of this thread). Either way it says it is ready by making a file, with no pipe to it.
import { spawnSync } from 'node:child_process';
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
  setsid: string;
  catatonit: string;
  /** iproute2's ip, to bring loopback up; only with a network namespace. */
  ip?: string;
}

export interface StartSandboxOptions {
  hostname: string;
  /** A network namespace of the pod's own (every --net but host). */
  ownNetwork: boolean;
  tools: SandboxTools;
  /** Made by the sandbox once it is ready (layout.podSandboxReadyPath). */
  readyFile: string;
  /** Its stderr while it starts (layout.podSandboxErrorPath). */
  errorFile: string;
}

const SCRIPT = [
  'printf %s "$1" > /proc/sys/kernel/hostname || exit 1',
  'if [ -n "$2" ]; then "$2" link set lo up || exit 1; fi',
  ': > "$4" || exit 1',
  'exec "$3" -P </dev/null >/dev/null 2>&1',
].join('\n');

/** The argv that starts a sandbox (pure). */
export function sandboxCommand(opts: StartSandboxOptions): string[] {
  const ns = ['--pid', '--fork', '--ipc', '--uts', ...(opts.ownNetwork ? ['--net'] : []), '--kill-child'];
  const ip = opts.ownNetwork ? (opts.tools.ip ?? '') : '';
  return [opts.tools.unshare, ...ns, '--', '/bin/sh', '-c', SCRIPT, 'skiff-sandbox', opts.hostname, ip, opts.tools.catatonit, opts.readyFile];
}

/**
 * Starts `argv` in a session of its own (setsid: not a group leader, so it execs without a
 * fork), in the background of a shell that prints its pid and exits; stdin and stdout are
 * /dev/null, stderr goes to `errorFile` (pure).
 */
export function launchInBackground(setsid: string, argv: readonly string[], errorFile: string): string[] {
  return ['/bin/sh', '-c', 'f=$1 s=$2; shift 2; "$s" "$@" </dev/null >/dev/null 2>"$f" & echo "$!"', 'skiff-sandbox-launch', errorFile, setsid, ...argv];
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

/** Whether the recorded sandbox is still that process (not gone, not a zombie, not a reused pid). */
export function sandboxAlive(rec: SandboxRecord): boolean {
  return readStartTime(rec.pid) === rec.startTime && running(rec.pid);
}

function childOf(pid: number): number | undefined {
  try {
    const first = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/)[0];
    return first ? Number(first) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a process is there and not a zombie (the launcher's orphans wait for a reaper). */
function running(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.charAt(stat.lastIndexOf(')') + 2);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

function readQuietly(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}

/** A sandbox on its way up: its launcher (unshare) and the files it reports through. */
export interface LaunchedSandbox {
  helper: number;
  readyFile: string;
  errorFile: string;
  /** For messages. */
  command: string;
}

function startFailure(command: string, why: string): SkiffError {
  return new SkiffError('STAGE1_FAILED', `cannot start the pod's sandbox (${command} …): ${why}`, {
    hint: 'the default stage1 needs util-linux unshare and setsid, catatonit and iproute2',
  });
}

/** Launches the sandbox and returns at once; waitForSandbox waits for it. */
export function launchSandbox(host: Pick<Host, 'spawnDetached'>, opts: StartSandboxOptions): LaunchedSandbox {
  const argv = sandboxCommand(opts);
  const command = argv.slice(0, 8).join(' ');
  fs.rmSync(opts.readyFile, { force: true });
  const helper = spawnWithHelper(host, argv, opts.errorFile, command) ?? spawnWithShell(opts.tools.setsid, argv, opts.errorFile, command);
  return { helper, readyFile: opts.readyFile, errorFile: opts.errorFile, command };
}

function spawnWithHelper(host: Pick<Host, 'spawnDetached'>, argv: readonly string[], errorFile: string, command: string): number | undefined {
  if (!host.spawnDetached) return undefined;
  const nul = fs.openSync('/dev/null', 'r+');
  try {
    const err = fs.openSync(errorFile, 'w', 0o644);
    try {
      return host.spawnDetached(argv[0]!, argv, [nul, nul, err]);
    } catch (e) {
      throw startFailure(command, (e as Error).message);
    } finally {
      fs.closeSync(err);
    }
  } finally {
    fs.closeSync(nul);
  }
}

function spawnWithShell(setsid: string, argv: readonly string[], errorFile: string, command: string): number {
  const launch = launchInBackground(setsid, argv, errorFile);
  const res = spawnSync(launch[0]!, launch.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  const helper = Number(res.stdout?.trim());
  if (res.error || res.status !== 0 || !Number.isSafeInteger(helper) || helper <= 0) {
    throw startFailure(command, res.error?.message ?? (res.stderr?.trim() || `its launcher exited with ${res.status}`));
  }
  return helper;
}

/** Waits (looking every ms) until the sandbox has set up its namespaces; returns its record. */
export function waitForSandbox(launched: LaunchedSandbox, timeoutMs = 10_000): SandboxRecord {
  const deadline = Date.now() + timeoutMs;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  let why: string | undefined;
  while (!fs.existsSync(launched.readyFile)) {
    if (!running(launched.helper)) {
      why = `it exited: ${readQuietly(launched.errorFile) || 'no message'}`;
      break;
    }
    if (Date.now() > deadline) {
      why = `it did not start within ${timeoutMs} ms`;
      break;
    }
    Atomics.wait(pause, 0, 0, 1);
  }
  const pid = why === undefined ? childOf(launched.helper) : undefined;
  const startTime = pid === undefined ? undefined : readStartTime(pid);
  if (pid === undefined || startTime === undefined) {
    abandonSandbox(launched);
    throw startFailure(launched.command, why ?? 'its pid 1 is gone');
  }
  return { pid, startTime };
}

/**
 * What to record while the sandbox comes up: its launcher (unshare, --kill-child), whose
 * SIGKILL takes the sandbox's pid 1 along, so a stage0 killed meanwhile leaves gc a handle.
 */
export function launcherRecord(launched: LaunchedSandbox): SandboxRecord | undefined {
  const startTime = readStartTime(launched.helper);
  return startTime === undefined ? undefined : { pid: launched.helper, startTime };
}

/** Kills a launched sandbox that was never recorded (unshare --kill-child takes its pid 1 along). */
export function abandonSandbox(launched: LaunchedSandbox): void {
  killQuietly(launched.helper);
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
