// The default stage1's view of a pod's cgroups on disk, as plain paths: the record
// `status --stats` reads (common/cgroup-stats.ts), the file whose `oom_kill` counter says an
// app was OOM-killed, and the directories the monitor removes at the end of a run. The OCI
// runtime creates `skiff/<uuid>/<app>` in every hierarchy (and on a hybrid host in the
// cgroup2 tree too) and removes the app level when the container is deleted; the pod level
// is ours to remove.
import path from 'node:path';
import { CGROUPS_RECORD_VERSION } from '../../../common/cgroup-stats.ts';
import type { AppCgroupRecord, PodCgroupsRecord } from '../../../common/cgroup-stats.ts';
import type { AppName } from '../../../common/ids.ts';
import type { CgroupFs } from './cgroup-fs.ts';
import { appCgroupPath } from './cgroup-paths.ts';
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

export interface OomCounter {
  /** A cgroup file with an `oom_kill N` line; '' when there is none to read. */
  file: string;
  /** The pod's counter (every app's kills), not the app's own: only a rise says something. */
  shared: boolean;
}

/**
 * Where the monitor learns that an app was OOM-killed once it has exited. A runtime that
 * keeps a stopped container (`run --keep`: runc) keeps its cgroup until `delete`, so the
 * app's own counter is read (v1 memory.oom_control, v2 memory.events). One that does not
 * (crun) has removed the app's cgroup by then; on v2 the pod cgroup's memory.events counts
 * its children's kills too, so a rise there while the app exits with 137 says it. On v1 the
 * counter is not hierarchical: unknown.
 */
export function oomCounter(record: PodCgroupsRecord, rec: AppCgroupRecord, runtimeKeeps: boolean): OomCounter {
  if (rec.memory === undefined) return { file: '', shared: false };
  const v2 = record.cgroupVersion === 'v2';
  if (runtimeKeeps) return { file: path.join(rec.memory, v2 ? 'memory.events' : 'memory.oom_control'), shared: false };
  if (!v2) return { file: '', shared: false };
  return { file: path.join(path.dirname(rec.memory), 'memory.events'), shared: true };
}

/** What to rmdir at the end of a run, deepest first: every app's cgroup, then the pod's, in every hierarchy. */
export function podCgroupTeardownDirs(hierarchies: readonly string[], pod: CgroupPath, apps: readonly AppName[]): string[] {
  const appDirs = hierarchies.flatMap((h) => apps.map((a) => path.join(h, appCgroupPath(pod, a))));
  return [...appDirs, ...hierarchies.map((h) => path.join(h, pod))];
}
