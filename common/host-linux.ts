// The real Host: effects Node cannot make itself go through the C helper (native-sys.ts) when
// it is built, else through util-linux and coreutils tools.
import fs from 'node:fs';
import os from 'node:os';
import { spawnSync } from 'node:child_process';
import { SkiffError } from './errors.ts';
import type { Host, LockMode, RunOptions, RunResult } from './host.ts';
import { mountSyscalls } from './mount-syscalls.ts';
import { loadNativeSys, type NativeSys } from './native-sys.ts';

/** Which Debian package ships each tool we call, for the "install X" hint. */
const TOOL_PACKAGES: Record<string, string> = {
  flock: 'util-linux',
  mount: 'mount',
  umount: 'mount',
  unshare: 'util-linux',
  nsenter: 'util-linux',
  mknod: 'coreutils',
  setfattr: 'attr',
  chroot: 'coreutils',
  gzip: 'gzip',
  bzip2: 'bzip2',
  xz: 'xz-utils',
  zstd: 'zstd',
  runc: 'runc',
  crun: 'crun',
};

export function toolPackage(tool: string): string {
  return TOOL_PACKAGES[tool.split('/').pop() ?? tool] ?? tool;
}

function tail(text: string, lines = 5): string {
  return text.trim().split('\n').slice(-lines).join(' | ');
}

export function runTool(file: string, args: readonly string[], opts: RunOptions = {}): RunResult {
  const res = spawnSync(file, args, {
    input: opts.input,
    cwd: opts.cwd,
    env: opts.env,
    stdio: opts.stdio ? [...opts.stdio] : ['pipe', 'pipe', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (res.error) {
    const code = (res.error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new SkiffError('TOOL_MISSING', `${file} not found`, { hint: `install the Debian package ${toolPackage(file)}` });
    }
    throw new SkiffError('TOOL_FAILED', `running ${file}: ${res.error.message}`, { cause: res.error });
  }
  const status = res.status ?? 128 + (res.signal ? 9 : 0);
  const result = { code: status, stdout: res.stdout ?? '', stderr: res.stderr ?? '' };
  if (status !== 0 && !(opts.okCodes ?? []).includes(status)) {
    throw new SkiffError('TOOL_FAILED', `${[file, ...args].join(' ')} failed (exit ${status}): ${tail(result.stderr)}`);
  }
  return result;
}

const LOCK_SH = 1;
const LOCK_EX = 2;
const LOCK_NB = 4;
const MNT_DETACH = 2;
const LOCK_POLL_MS = 20;

function errnoText(err: number): string {
  const util = process.getBuiltinModule('node:util');
  return `${util.getSystemErrorName(-err)} (${util.getSystemErrorMessage(-err)})`;
}

/** flock(2) through the helper; a timeout in seconds polls, as flock(1) -w waits. */
function nativeFlock(sys: NativeSys, fd: number, mode: LockMode, wait: boolean | number): boolean {
  const op = mode === 'exclusive' ? LOCK_EX : LOCK_SH;
  if (wait === true) {
    for (;;) {
      const err = sys.flock(fd, op);
      if (err === 0) return true;
      if (err !== os.constants.errno.EINTR) throw new SkiffError('IO', `flock: ${errnoText(err)}`);
    }
  }
  const deadline = Date.now() + (wait === false ? 0 : wait * 1000);
  for (;;) {
    const err = sys.flock(fd, op | LOCK_NB);
    if (err === 0) return true;
    if (err !== os.constants.errno.EWOULDBLOCK && err !== os.constants.errno.EINTR) throw new SkiffError('IO', `flock: ${errnoText(err)}`);
    if (Date.now() >= deadline) return false;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, LOCK_POLL_MS);
  }
}

export function createLinuxHost(): Host {
  // The C helper, loaded on first use (null: not there, use the tools).
  let native: NativeSys | null | undefined;
  const sys = (): NativeSys | null => (native === undefined ? (native = loadNativeSys() ?? null) : native);
  return {
    run: runTool,
    flock(fd: number, mode: LockMode, wait: boolean | number): boolean {
      const n = sys();
      if (n) return nativeFlock(n, fd, mode, wait);
      // flock(1) on an inherited fd locks *our* open file description, so the lock stays with
      // the fd after the tool exits. Exit 1 is flock's "would block / timed out".
      const args = [mode === 'exclusive' ? '-x' : '-s'];
      if (wait === false) args.push('-n');
      else if (typeof wait === 'number') args.push('-w', String(wait));
      args.push('0');
      const res = runTool('flock', args, { stdio: [fd, 'ignore', 'pipe'], okCodes: [1] });
      return res.code === 0;
    },
    mount(source, target, opts) {
      const n = sys();
      const call = n ? mountSyscalls(source, target, opts) : undefined;
      if (n && call) {
        const err = n.mount(call.source, call.target, call.fstype, call.flags, call.data);
        if (err !== 0) throw new SkiffError('TOOL_FAILED', `mounting ${call.fstype} ${source} on ${target} failed: ${errnoText(err)}`);
        return;
      }
      const args: string[] = [];
      if (opts.type) args.push('-t', opts.type);
      if (opts.options) args.push('-o', opts.options);
      for (const f of opts.flags ?? []) args.push(f);
      args.push(source, target);
      runTool('mount', args);
    },
    umount(target, opts = {}) {
      const n = sys();
      if (n) {
        const err = n.umount2(target, opts.lazy ? MNT_DETACH : 0);
        if (err !== 0) throw new SkiffError('TOOL_FAILED', `unmounting ${target} failed: ${errnoText(err)}`);
        return;
      }
      runTool('umount', opts.lazy ? ['-l', target] : [target]);
    },
    readProcFile(name) {
      return fs.readFileSync(`/proc/${name}`, 'utf8');
    },
    kill(pid, signal) {
      try {
        process.kill(pid, signal);
        return true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
        throw err;
      }
    },
    execve(file, args, env): never {
      if (!process.execve) throw new SkiffError('NODE_TOO_OLD', 'this Node has no process.execve; skiff needs Node >= 22.15');
      process.execve(file, [...args], env);
      throw new SkiffError('INTERNAL', `execve ${file} returned`);
    },
    geteuid: () => process.geteuid?.() ?? -1,
    moveFds(moves) {
      const n = sys();
      return n ? nativeMoveFds(n, moves) : undefined;
    },
    spawnDetached(file, argv, stdio) {
      const n = sys();
      if (!n) return undefined;
      const pid = n.spawnDetached(file, argv, stdio);
      if (pid > 0) return pid;
      if (-pid === os.constants.errno.ENOENT) {
        throw new SkiffError('TOOL_MISSING', `${file} not found`, { hint: `install the Debian package ${toolPackage(file)}` });
      }
      throw new SkiffError('TOOL_FAILED', `starting ${file}: ${errnoText(-pid)}`);
    },
  };
}

function check(what: string, ret: number): number {
  if (ret < 0) throw new SkiffError('IO', `${what}: ${errnoText(-ret)}`);
  return ret;
}

/** Host.moveFds through the helper; see there. */
function nativeMoveFds(n: NativeSys, moves: ReadonlyArray<readonly [number, number]>): () => void {
  const undo: Array<() => void> = [];
  const undoAll = (): void => {
    for (const u of undo.reverse()) {
      try {
        u();
      } catch {
        // best effort: the caller is already failing
      }
    }
    undo.length = 0;
  };
  try {
    for (const [from, to] of moves) {
      const copy = n.dupCloexec(to, 100);
      if (copy >= 0) {
        const wasCloexec = check(`fcntl(${to})`, n.setCloexec(to, 1));
        undo.push(() => {
          n.dup2(copy, to);
          n.setCloexec(to, wasCloexec);
          fs.closeSync(copy);
        });
      } else {
        undo.push(() => fs.closeSync(to));
      }
      const err = n.dup2(from, to);
      if (err !== 0) throw new SkiffError('IO', `dup2(${from}, ${to}): ${errnoText(err)}`);
    }
    const targets = new Set(moves.map(([, to]) => to));
    for (const [from] of moves) {
      if (targets.has(from)) continue;
      const was = check(`fcntl(${from})`, n.setCloexec(from, 1));
      undo.push(() => n.setCloexec(from, was));
    }
  } catch (err) {
    undoAll();
    throw err;
  }
  return undoAll;
}
