// POD/runtime.json: which OCI runtime runs the pod's apps and the container ID of each app,
// for enter and gc. The runtime's state directory is a `--root` private to the pod,
// POD/runtime/ (layout.podRuntimeStateDir), always derived from where the pod directory is
// now: stage0 renames it (run/ → exited-garbage/) before gc.
// The OCI runtime command line (`RUNTIME --root DIR run --bundle B ID`, `kill ID SIG`,
// `delete --force ID`, `exec ID CMD`) is what runc, crun and runsc share.
import fs from 'node:fs';
import { SkiffError, wrap } from '../../../common/errors.ts';
import { podRuntimePath, podRuntimeStateDir } from '../../../common/layout.ts';
import { VOLATILE, writeJsonAtomic } from '../../../common/write-atomic.ts';

export interface RuntimeRecord {
  name: string;
  path: string;
  /** A command every runtime invocation runs under (maskingWrapper), if any. */
  wrapper?: string[];
  containers: { app: string; id: string }[];
}

/**
 * `unshare --mount -- sh -c 'mount --bind /dev/null FILE && exec RUNTIME …'`: the
 * runtime in a private mount namespace (unshare's default propagation) where FILE, the hybrid
 * host's <unified>/cgroup.controllers, reads empty, so crun manages the v1 controllers instead
 * of refusing the host (choose-runtime.ts). Stateless: gc after a crash needs nothing of the
 * pod's to use it. Costs ~3 ms per invocation; crun saves ~35 ms per app start over runc here.
 */
export function maskingWrapper(tools: { unshare: string; mount: string }, controllersFile: string): string[] {
  return [tools.unshare, '--mount', '--', '/bin/sh', '-c', '"$0" --bind /dev/null "$1" && shift && exec "$@"', tools.mount, controllersFile];
}

/** Runtimes whose `run` keeps a stopped container (and its cgroup) until `delete`: the monitor reads the OOM counter first. */
const KEEPING_RUNTIMES = new Set(['runc']);

/** `[WRAPPER…] RUNTIME --root POD/runtime`: the start of every runtime command. */
export function runtimeArgv(rec: Pick<RuntimeRecord, 'path' | 'wrapper'>, podRoot: string): string[] {
  return [...(rec.wrapper ?? []), rec.path, '--root', podRuntimeStateDir(podRoot)];
}

/** Whether the runtime's `run` has `--keep` (runc does; crun 1.8 does not). */
export function runtimeKeeps(rec: Pick<RuntimeRecord, 'name'>): boolean {
  return KEEPING_RUNTIMES.has(rec.name);
}

/** Extra flags for `run`: `--keep` where the runtime has it. */
export function runFlags(rec: Pick<RuntimeRecord, 'name'>): string[] {
  return runtimeKeeps(rec) ? ['--keep'] : [];
}

export function writeRuntimeRecord(podRoot: string, rec: RuntimeRecord): void {
  try {
    writeJsonAtomic(podRuntimePath(podRoot), rec, 0o644, VOLATILE);
  } catch (err) {
    throw wrap(err, 'writing the runtime record');
  }
}

export function readRuntimeRecord(podRoot: string): RuntimeRecord | undefined {
  let text: string;
  try {
    text = fs.readFileSync(podRuntimePath(podRoot), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw wrap(err, 'reading the runtime record');
  }
  // Empty: written VOLATILE and lost in a power cut; its containers went with the reboot.
  if (text === '') return undefined;
  const rec = JSON.parse(text) as RuntimeRecord;
  const wrapperOk = rec.wrapper === undefined || (Array.isArray(rec.wrapper) && rec.wrapper.every((a) => typeof a === 'string'));
  if (typeof rec.path !== 'string' || !Array.isArray(rec.containers) || !wrapperOk) {
    throw new SkiffError('STAGE1_FAILED', `${podRuntimePath(podRoot)} is not a runtime record`);
  }
  return rec;
}

/** The container ID of an app in the record. */
export function containerIdOf(rec: RuntimeRecord, app: string): string | undefined {
  return rec.containers.find((c) => c.app === app)?.id;
}
