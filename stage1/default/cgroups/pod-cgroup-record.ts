// The default stage1's view of a pod's cgroups on disk, as plain paths: the record
// `status --stats` reads (common/cgroup-stats.ts), the file that says an app was OOM-killed,
// and the directories the monitor removes at the end of a run. The OCI runtime creates
// `skiff/<uuid>/<app>` in every hierarchy (and on a hybrid host in the cgroup2 tree too) and
// removes the app level when the container is deleted; the pod level is ours to remove. Where
// the runtime removes its cgroup as its app exits and the kernel keeps OOM kills in the
// victim's cgroup only (v1), stage1 makes the app level itself, with the memory limit, and the
// runtime gets `<app>/container` below it (runtimeCgroupNested).
import path from 'node:path';
import { CGROUPS_RECORD_VERSION } from '../../../common/cgroup-stats.ts';
import type { AppCgroupRecord, PodCgroupsRecord } from '../../../common/cgroup-stats.ts';
import type { AppName } from '../../../common/ids.ts';
import type { CgroupFs } from './cgroup-fs.ts';
import { appCgroupPath, runtimeCgroupPath } from './cgroup-paths.ts';
import type { CgroupPath } from './cgroup-paths.ts';
import type { CgroupLayout } from './detect-layout.ts';

/** Every hierarchy under the root, each once (v1 `cpu` and `cpuacct` are one `cpu,cpuacct`); v2: the root. */
export function cgroupHierarchies(cfs: CgroupFs, root: string, layout: CgroupLayout): string[] {
  if (layout === 'v2') return [root];
  const found = new Set<string>();
  for (const name of cfs.subdirs(root).sort()) found.add(cfs.realpath(path.join(root, name)));
  return [...found].sort();
}

function v1Dir(cfs: CgroupFs, root: string, controller: string, cgroup: CgroupPath): string | undefined {
  const mount = path.join(root, controller);
  return cfs.exists(mount) ? path.join(cfs.realpath(mount), cgroup) : undefined;
}

export function appCgroupRecord(cfs: CgroupFs, root: string, layout: CgroupLayout, pod: CgroupPath, app: AppName): AppCgroupRecord {
  const cgroup = appCgroupPath(pod, app);
  if (layout === 'v2') {
    const dir = path.join(root, cgroup);
    return { app, memory: dir, cpu: dir, pids: dir };
  }
  const rec: AppCgroupRecord = { app };
  const memory = v1Dir(cfs, root, 'memory', cgroup);
  const cpu = v1Dir(cfs, root, 'cpuacct', cgroup);
  const pids = v1Dir(cfs, root, 'pids', cgroup);
  if (memory) rec.memory = memory;
  if (cpu) rec.cpu = cpu;
  if (pids) rec.pids = pids;
  return rec;
}

export function buildCgroupsRecord(cfs: CgroupFs, root: string, layout: CgroupLayout, pod: CgroupPath, apps: readonly AppName[]): PodCgroupsRecord {
  return {
    version: CGROUPS_RECORD_VERSION,
    cgroupVersion: layout === 'v2' ? 'v2' : 'v1',
    pod,
    apps: apps.map((app) => appCgroupRecord(cfs, root, layout, pod, app)),
  };
}

/**
 * Whether the runtime's cgroup goes below an app cgroup of stage1's own: on v1 (and hybrid)
 * with a runtime that removes its cgroup when its app exits (crun 1.8 has no `run --keep`).
 * v1 counts an OOM kill only in the victim's own memory cgroup, gone by the time the monitor
 * looks, so the limit is set one level up, where its failure counter stays.
 */
export function runtimeCgroupNested(layout: CgroupLayout, runtimeKeeps: boolean): boolean {
  return !runtimeKeeps && layout !== 'v2';
}

/**
 * How the monitor reads a counter file once an app has exited:
 * - `own`: the app's own `oom_kill N` (v1 memory.oom_control, v2 memory.events) is above 0;
 * - `pod`: the pod's `oom_kill N` (every app's kills) rose while the app exited with 137;
 * - `limit`: the counter is the app's memory cgroup directory, whose memory.failcnt or
 *   memory.memsw.failcnt (whichever limit the charge hit first) is above 0, the app exited
 *   with 137 and neither the monitor nor a `stop --force` killed it.
 */
export type OomRule = 'own' | 'pod' | 'limit';

export interface OomCounter {
  /** The counter file (`limit`: the directory of the counters); '' when there is none to read. */
  file: string;
  rule: OomRule;
}

/**
 * Where the monitor learns that an app was OOM-killed once it has exited. A runtime that
 * keeps a stopped container (`run --keep`: runc) keeps its cgroup until `delete`, so the
 * app's own counter is read. One that does not (crun) has removed its cgroup by then: on v2
 * the pod cgroup's memory.events counts its children's kills too; on v1 it does not, and the
 * app's cgroup, stage1's own there (runtimeCgroupNested), has the limit and its failure counters.
 */
export function oomCounter(record: PodCgroupsRecord, rec: AppCgroupRecord, runtimeKeeps: boolean): OomCounter {
  if (rec.memory === undefined) return { file: '', rule: 'own' };
  const v2 = record.cgroupVersion === 'v2';
  if (runtimeKeeps) return { file: path.join(rec.memory, v2 ? 'memory.events' : 'memory.oom_control'), rule: 'own' };
  if (!v2) return { file: rec.memory, rule: 'limit' };
  return { file: path.join(path.dirname(rec.memory), 'memory.events'), rule: 'pod' };
}

/**
 * What to rmdir at the end of a run, deepest first: every runtime cgroup below an app's
 * (when nested), every app's cgroup, then the pod's, in every hierarchy.
 */
export function podCgroupTeardownDirs(hierarchies: readonly string[], pod: CgroupPath, apps: readonly AppName[], nested = false): string[] {
  const inner = nested ? hierarchies.flatMap((h) => apps.map((a) => path.join(h, runtimeCgroupPath(appCgroupPath(pod, a))))) : [];
  const appDirs = hierarchies.flatMap((h) => apps.map((a) => path.join(h, appCgroupPath(pod, a))));
  return [...inner, ...appDirs, ...hierarchies.map((h) => path.join(h, pod))];
}
