// The seam through which kernel and process effects go (youki's Syscall trait). Library code
// takes a Host; the real one is in host-linux.ts, a recording fake in test/helpers.
export interface RunOptions {
  input?: string | Uint8Array;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Pass these fds to the child: stdio[i] becomes the child's fd i. */
  stdio?: ReadonlyArray<'ignore' | 'inherit' | 'pipe' | number>;
  /** Exit codes that are not failures (e.g. flock's 1 for "busy"). */
  okCodes?: readonly number[];
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export type LockMode = 'exclusive' | 'shared';

export interface Host {
  /** Runs a system tool to completion; throws a SkiffError (TOOL_MISSING / TOOL_FAILED) otherwise. */
  run(file: string, args: readonly string[], opts?: RunOptions): RunResult;
  /**
   * flock(2) on an open fd's open file description, held until every copy of the fd is closed.
   * `wait`: false = fail at once when busy, true = wait, a number = wait that many seconds.
   * Returns false when the lock is busy.
   */
  flock(fd: number, mode: LockMode, wait: boolean | number): boolean;
  mount(source: string, target: string, opts: { type?: string; options?: string; flags?: readonly string[] }): void;
  umount(target: string, opts?: { lazy?: boolean }): void;
  readProcFile(name: 'locks' | 'mounts' | 'self/mountinfo' | 'filesystems'): string;
  kill(pid: number, signal: NodeJS.Signals | 0): boolean;
  execve(file: string, args: readonly string[], env: NodeJS.ProcessEnv): never;
  /**
   * For an execve next: dup2 each [from, to] in order (each `to` inheritable), then mark the
   * sources that are no target close-on-exec. Returns what undoes it (for an execve that
   * failed), or undefined when this host cannot (then a shell does the moves after the exec).
   */
  moveFds?(moves: ReadonlyArray<readonly [from: number, to: number]>): (() => void) | undefined;
  /**
   * Starts `file` (argv[0] included in `argv`, this process's environment) as nobody's child, in
   * a session of its own, with fds 0-2 from `stdio` and no other fd, and returns its pid at once;
   * undefined when this host cannot (then a shell puts it in the background). Throws a
   * SkiffError when it cannot start (TOOL_MISSING when there is no `file`).
   */
  spawnDetached?(file: string, argv: readonly string[], stdio: readonly [number, number, number]): number | undefined;
  geteuid(): number;
}
