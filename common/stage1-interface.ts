// The stage1 interface (semver; docs/stage1-interface.md is its contract, keep them in step).
// stage0 and stage1 meet only here and in the pod directory.

export const STAGE1_INTERFACE_VERSION = '1.1.0';

/** Annotations of a stage1 image's manifest. Entrypoint values are absolute paths inside its rootfs. */
export const STAGE1_ANNOTATIONS = {
  run: 'skiff.dev/stage1/run',
  enter: 'skiff.dev/stage1/enter',
  gc: 'skiff.dev/stage1/gc',
  stop: 'skiff.dev/stage1/stop',
  interfaceVersion: 'skiff.dev/stage1/interface-version',
  flavor: 'skiff.dev/stage1/flavor',
  /** Optional (1.1.0): an ES module stage0 may load in its own process instead of exec'ing run. */
  runModule: 'skiff.dev/stage1/run-module',
} as const;

export type Stage1Entrypoint = 'run' | 'enter' | 'gc' | 'stop';

/** The interface versions whose stage1s may name a run module. */
export const RUN_MODULE_SUPPORT = '>=1.1.0';

/**
 * What stage0 hands a run module's `prepareRun` (docs/stage1-interface.md, "The run module"):
 * everything the `run` entrypoint would get from its process, passed explicitly.
 */
export interface Stage1RunRequest {
  /** The run entrypoint's arguments: options, then the UUID. */
  args: string[];
  /** The pod directory, also the process's cwd during the call. */
  podDir: string;
  /** The fd, in this process, that holds the exclusive lock on the pod directory. */
  lockFd: number;
  /** The environment `run` would get (SKIFF_LOCK_FD=3, SKIFF_NODE…), also the next program's. */
  env: Record<string, string>;
  /** The pid the next program will have (this process's: stage0 execs it). */
  pid: number;
  /** Whether the pod's stdin is a terminal. */
  stdinIsTty: boolean;
}

/**
 * What `prepareRun` resolves to: the program stage0 is to exec (with the lock on fd 3, stdin on
 * 0, cwd the pod directory, the request's env), or the exit status of a run that failed (the
 * module has already reported why on stderr).
 */
export type Stage1RunResult = { exec: { file: string; args: string[] } } | { exitCode: number };

/** The shape of a run module. */
export interface Stage1RunModule {
  prepareRun(request: Stage1RunRequest): Promise<Stage1RunResult>;
}

/** Set to 0, stage0 execs the run entrypoint even when the stage1 names a run module. */
export const STAGE1_RUN_MODULE_ENV = 'SKIFF_STAGE1_RUN_MODULE';

/** The pod lock arrives on this fd (an exclusive flock on the pod directory), stdin on fd 0. */
export const STAGE1_LOCK_FD = 3;
/** Environment variable naming the lock fd, as rkt's RKT_LOCK_FD. */
export const STAGE1_LOCK_FD_ENV = 'SKIFF_LOCK_FD';

/**
 * Options stage0 may pass to the run entrypoint, with the interface versions that accept them.
 * stage0 leaves out (with a warning) those the chosen stage1 does not support.
 */
export const RUN_OPTION_SUPPORT: Readonly<Record<string, string>> = {
  debug: '>=1.0.0',
  'log-format': '>=1.0.0',
  net: '>=1.0.0',
  interactive: '>=1.0.0',
  hostname: '>=1.0.0',
  'dns-conf-mode': '>=1.0.0',
  'private-users': '>=1.2.0',
  'insecure-options': '>=1.0.0',
  'stage1-runtime': '>=1.0.0',
};

/** Exit statuses of the run entrypoint for its own failures (podman's convention). */
export const EXIT_STAGE1_FAILED = 125;
export const EXIT_CANNOT_INVOKE = 126;
export const EXIT_NOT_FOUND = 127;

/** The Node binary stage0 runs on, for stage1 entrypoints written in JavaScript. */
export const STAGE1_NODE_ENV = 'SKIFF_NODE';

/** A pod annotation naming the OCI runtime the default stage1 drives (as --stage1-runtime). */
export const STAGE1_RUNTIME_ANNOTATION = 'skiff.dev/stage1/runtime';

/**
 * An image annotation set when an OCI image's User named no group: stage1 then takes the
 * user's primary group from the image's /etc/passwd, as Docker does.
 */
export const OCI_USER_ANNOTATION = 'skiff.dev/oci-user';
