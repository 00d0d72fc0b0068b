// The optional C helper (native/skiff-sys.c, built into dist/native/ when a C compiler is
// there): flock(2), mount(2) and umount2(2) without a flock(1) or mount(8) process each, and
// the fd moves that hand the pod lock to stage1 without a shell, and a detached start (the pod's
// sandbox) without a shell to put it in the background.
// Without it (no compiler at build time, SKIFF_NATIVE=0), host-linux.ts runs the tools.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface NativeSys {
  /** flock(2): 0 or the errno. */
  flock(fd: number, operation: number): number;
  /** mount(2): 0 or the errno. */
  mount(source: string | null, target: string, fstype: string | null, flags: number, data: string | null): number;
  /** umount2(2): 0 or the errno. */
  umount2(target: string, flags: number): number;
  /** dup2(2) (the copy is inheritable): 0 or the errno. */
  dup2(oldfd: number, newfd: number): number;
  /** fcntl(F_DUPFD_CLOEXEC) at or above `min`: the new fd, or -errno. */
  dupCloexec(fd: number, min: number): number;
  /** Sets (1) or clears (0) FD_CLOEXEC: the old state (0/1), or -errno. */
  setCloexec(fd: number, on: number): number;
  /** Starts argv (argv[0] included) as nobody's child in a new session, fds 0-2 from stdio: the pid, or -errno. */
  spawnDetached(file: string, argv: readonly string[], stdio: readonly [number, number, number]): number;
}

export const NATIVE_ENV = 'SKIFF_NATIVE';

/**
 * Beside the bundle (dist/stage0/… → dist/native/, and in the default stage1's ACI
 * skiff/stage1/run.cjs → skiff/native/), or from source (common/ → dist/native/).
 */
export const NATIVE_SYS_CANDIDATES = ['../native/skiff-sys.node', '../dist/native/skiff-sys.node'] as const;

export function loadNativeSys(env: Readonly<Record<string, string | undefined>> = process.env): NativeSys | undefined {
  if (env[NATIVE_ENV] === '0') return undefined;
  for (const rel of NATIVE_SYS_CANDIDATES) {
    const file = fileURLToPath(new URL(rel, import.meta.url));
    if (!fs.existsSync(file)) continue;
    const mod = { exports: {} as Partial<NativeSys> };
    try {
      process.dlopen(mod, file);
    } catch {
      return undefined; // built for another machine: the tools still work
    }
    const e = mod.exports;
    const names: readonly (keyof NativeSys)[] = ['flock', 'mount', 'umount2', 'dup2', 'dupCloexec', 'setCloexec', 'spawnDetached'];
    return names.every((n) => typeof e[n] === 'function') ? (e as NativeSys) : undefined;
  }
  return undefined;
}
