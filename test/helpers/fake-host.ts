// A recording Host (youki's TestHelperSyscall): every effect is appended to `calls` instead
// of happening, so stage1's mount sequence and signals are unit-tested without root.
// /proc files come from `procFiles` (a function, so a test can make mountinfo grow with
// each mount); execve throws FakeExecve, since the real one never returns.
import type { Host, LockMode, RunOptions, RunResult } from '../../common/host.ts';

export type HostCall =
  | { op: 'run'; file: string; args: readonly string[] }
  | { op: 'flock'; fd: number; mode: LockMode; wait: boolean | number }
  | { op: 'mount'; source: string; target: string; type?: string; options?: string; flags?: readonly string[] }
  | { op: 'umount'; target: string; lazy: boolean }
  | { op: 'kill'; pid: number; signal: NodeJS.Signals | 0 }
  | { op: 'execve'; file: string; args: readonly string[]; env: NodeJS.ProcessEnv };

export class FakeExecve extends Error {
  readonly file: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  constructor(file: string, args: readonly string[], env: NodeJS.ProcessEnv) {
    super(`execve ${file}`);
    this.file = file;
    this.args = args;
    this.env = env;
  }
}

export interface FakeHostOptions {
  procFiles?: (name: string, calls: readonly HostCall[]) => string;
  /** Pids kill() reports as alive (others: ESRCH → false). */
  livePids?: readonly number[];
  euid?: number;
  runResult?: (file: string, args: readonly string[], opts?: RunOptions) => RunResult;
}

export interface FakeHost extends Host {
  readonly calls: HostCall[];
  /** The mount calls only, in order. */
  mounts(): Extract<HostCall, { op: 'mount' }>[];
}

export function createFakeHost(opts: FakeHostOptions = {}): FakeHost {
  const calls: HostCall[] = [];
  return {
    calls,
    mounts: () => calls.filter((c): c is Extract<HostCall, { op: 'mount' }> => c.op === 'mount'),
    run(file, args, runOpts) {
      calls.push({ op: 'run', file, args });
      return opts.runResult?.(file, args, runOpts) ?? { code: 0, stdout: '', stderr: '' };
    },
    flock(fd, mode, wait) {
      calls.push({ op: 'flock', fd, mode, wait });
      return true;
    },
    mount(source, target, mountOpts) {
      const call: HostCall = { op: 'mount', source, target };
      if (mountOpts.type !== undefined) call.type = mountOpts.type;
      if (mountOpts.options !== undefined) call.options = mountOpts.options;
      if (mountOpts.flags !== undefined) call.flags = [...mountOpts.flags];
      calls.push(call);
    },
    umount(target, umountOpts = {}) {
      calls.push({ op: 'umount', target, lazy: umountOpts.lazy ?? false });
    },
    readProcFile(name) {
      return opts.procFiles?.(name, calls) ?? '';
    },
    kill(pid, signal) {
      calls.push({ op: 'kill', pid, signal });
      return (opts.livePids ?? []).includes(pid);
    },
    execve(file, args, env): never {
      calls.push({ op: 'execve', file, args, env });
      throw new FakeExecve(file, args, env);
    },
    geteuid: () => opts.euid ?? 0,
  };
}
