// What an app of a running pod uses, read from its cgroups: the default stage1 records each
// app's cgroup directories in POD/cgroups.json (layout.podCgroupsPath) and `skiff status
// --stats` reads them here, since stage0 never imports stage1 (gVisor's sandbox Event call
// answers the same question). Works on cgroup v1 (a directory per controller) and v2 (one).
// An app whose cgroup is gone (exited, and removed by the runtime) reads as not running.
import fs from 'node:fs';
import path from 'node:path';
import { podCgroupsPath } from './layout.ts';

export const CGROUPS_RECORD_VERSION = 1;

/** One app's cgroup directories, absolute; a controller the host lacks is left out. */
export interface AppCgroupRecord {
  app: string;
  /** Where the memory files are: the v1 memory hierarchy's directory, or the v2 cgroup. */
  memory?: string;
  /** Where CPU time is accounted: the v1 cpuacct directory, or the v2 cgroup. */
  cpu?: string;
  /** Where pids.current is: the v1 pids directory, or the v2 cgroup. */
  pids?: string;
}

/** POD/cgroups.json, written by the default stage1 before its apps start. */
export interface PodCgroupsRecord {
  version: typeof CGROUPS_RECORD_VERSION;
  cgroupVersion: 'v1' | 'v2';
  /** The pod's cgroup below each hierarchy's root: `skiff/<uuid>`. */
  pod: string;
  apps: AppCgroupRecord[];
}

export interface AppCgroupUsage {
  app: string;
  /** False when the app's cgroup no longer exists (the app has exited). */
  running: boolean;
  /** Memory in use, without the inactive page cache the kernel can drop (Docker's "MEM USAGE"). */
  memoryBytes?: number;
  /** The most the cgroup ever held (v1 max_usage_in_bytes, v2 memory.peak on Linux ≥ 5.19). */
  memoryPeakBytes?: number;
  /** The memory limit; absent when there is none. */
  memoryLimitBytes?: number;
  /** CPU time used by all the app's processes, in nanoseconds. */
  cpuNs?: number;
  pids?: number;
  /** Processes the kernel's OOM killer killed in the cgroup. */
  oomKills?: number;
}

/** Limits at or above this are "no limit" (v1 writes PAGE_COUNTER_MAX pages as bytes). */
const UNLIMITED = 2 ** 62;

function readText(dir: string, name: string): string | undefined {
  try {
    return fs.readFileSync(path.join(dir, name), 'utf8');
  } catch {
    return undefined;
  }
}

function readNumber(dir: string | undefined, name: string): number | undefined {
  if (dir === undefined) return undefined;
  const text = readText(dir, name)?.trim();
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  return Number(text);
}

/** `key value` lines (memory.stat, memory.events, cpu.stat, memory.oom_control). */
export function parseKeyedFile(text: string | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of (text ?? '').split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value !== undefined && /^\d+$/.test(value)) out.set(key, Number(value));
  }
  return out;
}

function isAbsoluteClean(p: unknown): p is string {
  return typeof p === 'string' && path.isAbsolute(p) && !p.split('/').includes('..');
}

/** Validates a parsed record; undefined when it is not one this skiff understands. */
export function parsePodCgroupsRecord(value: unknown): PodCgroupsRecord | undefined {
  const v = value as Partial<PodCgroupsRecord> | null;
  if (!v || v.version !== CGROUPS_RECORD_VERSION || (v.cgroupVersion !== 'v1' && v.cgroupVersion !== 'v2')) return undefined;
  if (typeof v.pod !== 'string' || !Array.isArray(v.apps)) return undefined;
  const apps: AppCgroupRecord[] = [];
  for (const a of v.apps as Partial<AppCgroupRecord>[]) {
    if (typeof a?.app !== 'string') return undefined;
    const rec: AppCgroupRecord = { app: a.app };
    for (const key of ['memory', 'cpu', 'pids'] as const) {
      const dir = a[key];
      if (dir === undefined) continue;
      if (!isAbsoluteClean(dir)) return undefined;
      rec[key] = dir;
    }
    apps.push(rec);
  }
  return { version: CGROUPS_RECORD_VERSION, cgroupVersion: v.cgroupVersion, pod: v.pod, apps };
}

/** POD/cgroups.json, or undefined for a pod whose stage1 wrote none (fly) or an unreadable one. */
export function readPodCgroupsRecord(podRoot: string): PodCgroupsRecord | undefined {
  try {
    return parsePodCgroupsRecord(JSON.parse(fs.readFileSync(podCgroupsPath(podRoot), 'utf8')));
  } catch {
    return undefined;
  }
}

function v1Usage(rec: AppCgroupRecord, out: AppCgroupUsage): void {
  const usage = readNumber(rec.memory, 'memory.usage_in_bytes');
  if (usage !== undefined) {
    const inactive = parseKeyedFile(rec.memory === undefined ? undefined : readText(rec.memory, 'memory.stat')).get('total_inactive_file') ?? 0;
    out.memoryBytes = Math.max(0, usage - inactive);
  }
  const peak = readNumber(rec.memory, 'memory.max_usage_in_bytes');
  if (peak !== undefined) out.memoryPeakBytes = peak;
  const limit = readNumber(rec.memory, 'memory.limit_in_bytes');
  if (limit !== undefined && limit < UNLIMITED) out.memoryLimitBytes = limit;
  const oom = rec.memory === undefined ? undefined : parseKeyedFile(readText(rec.memory, 'memory.oom_control')).get('oom_kill');
  if (oom !== undefined) out.oomKills = oom;
  const cpu = readNumber(rec.cpu, 'cpuacct.usage');
  if (cpu !== undefined) out.cpuNs = cpu;
}

function v2Usage(rec: AppCgroupRecord, out: AppCgroupUsage): void {
  const current = readNumber(rec.memory, 'memory.current');
  if (current !== undefined) {
    const inactive = parseKeyedFile(rec.memory === undefined ? undefined : readText(rec.memory, 'memory.stat')).get('inactive_file') ?? 0;
    out.memoryBytes = Math.max(0, current - inactive);
  }
  const peak = readNumber(rec.memory, 'memory.peak');
  if (peak !== undefined) out.memoryPeakBytes = peak;
  const limit = readNumber(rec.memory, 'memory.max'); // `max` reads as undefined
  if (limit !== undefined) out.memoryLimitBytes = limit;
  const oom = rec.memory === undefined ? undefined : parseKeyedFile(readText(rec.memory, 'memory.events')).get('oom_kill');
  if (oom !== undefined) out.oomKills = oom;
  const usec = rec.cpu === undefined ? undefined : parseKeyedFile(readText(rec.cpu, 'cpu.stat')).get('usage_usec');
  if (usec !== undefined) out.cpuNs = usec * 1000;
}

/** One app's usage now; `running: false` and nothing else once its cgroup is gone. */
export function readAppCgroupUsage(record: PodCgroupsRecord, rec: AppCgroupRecord): AppCgroupUsage {
  const anyDir = rec.memory ?? rec.cpu ?? rec.pids;
  const running = anyDir !== undefined && fs.existsSync(path.join(anyDir, 'cgroup.procs'));
  const out: AppCgroupUsage = { app: rec.app, running };
  if (!running) return out;
  if (record.cgroupVersion === 'v1') v1Usage(rec, out);
  else v2Usage(rec, out);
  const pids = readNumber(rec.pids, 'pids.current');
  if (pids !== undefined) out.pids = pids;
  return out;
}

/**
 * Per-app usage of a pod, in the pod manifest's app order: [] for a pod without a cgroup
 * record (a fly pod, or one whose stage1 never got that far).
 */
export function readPodCgroupStats(podRoot: string): AppCgroupUsage[] {
  const record = readPodCgroupsRecord(podRoot);
  if (!record) return [];
  return record.apps.map((rec) => readAppCgroupUsage(record, rec));
}
