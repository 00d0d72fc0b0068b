// What `status` and `list` report about a pod, read from its directory (no daemon to ask).
import fs from 'node:fs';
import type { PodManifest } from '../../common/appc-types.ts';
import { parseAppName } from '../../common/ids.ts';
import * as layout from '../../common/layout.ts';
import type { PodState } from '../../common/pod-state.ts';
import type { AppCgroupUsage } from '../../common/cgroup-stats.ts';
import { readPodNetStatus } from '../../common/pod-net-status.ts';
import type { PodRef } from './find-pod.ts';

export interface AppInfo {
  name: string;
  imageId: string;
  imageName: string | undefined;
  /** The app's exit status; null while running, or when stage1 could not record it. */
  exitStatus: number | null;
  /** Whether the kernel's OOM killer ended it (stage1 leaves a marker). */
  oomKilled: boolean;
}

export interface PodNetworkInfo {
  name: string;
  ips: string[];
}

export interface PodInfo {
  uuid: string;
  state: PodState;
  created: string | undefined;
  started: string | undefined;
  pid: number;
  exited: boolean;
  apps: AppInfo[];
  stage1: string | undefined;
  /** The pod's networks and addresses, as stage1 recorded them (empty for host networking and fly). */
  networks: PodNetworkInfo[];
}

function mtimeIso(file: string): string | undefined {
  try {
    return fs.statSync(file).mtime.toISOString();
  } catch {
    return undefined;
  }
}

function readInt(file: string): number | undefined {
  try {
    const n = Number.parseInt(fs.readFileSync(file, 'utf8').trim(), 10);
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

function readManifest(root: string): PodManifest | undefined {
  try {
    return JSON.parse(fs.readFileSync(layout.podManifestPath(root), 'utf8')) as PodManifest;
  } catch {
    return undefined;
  }
}

export function readPodInfo(pod: PodRef): PodInfo {
  const manifest = readManifest(pod.root);
  const exited = ['exited', 'exited-garbage', 'garbage', 'deleting'].includes(pod.state) && fs.existsSync(layout.podStartedPath(pod.root));
  const running = pod.state === 'running';
  let stage1: string | undefined;
  try {
    stage1 = (JSON.parse(fs.readFileSync(layout.stage1ManifestPath(pod.root), 'utf8')) as { name?: string }).name;
  } catch {
    stage1 = undefined;
  }
  const apps = (manifest?.apps ?? []).map((a) => ({
    name: a.name,
    imageId: a.image.id,
    imageName: a.image.name,
    exitStatus: readInt(layout.appStatusPath(pod.root, parseAppName(a.name))) ?? null,
    oomKilled: fs.existsSync(layout.appOomPath(pod.root, parseAppName(a.name))),
  }));
  const net = readPodNetStatus(pod.root);
  const networks = (net?.networks ?? []).map((n) => ({ name: n.name, ips: n.ips.map((ip) => ip.address.replace(/\/\d+$/, '')) }));
  return {
    uuid: pod.uuid,
    state: pod.state,
    created: mtimeIso(layout.podCreatedPath(pod.root)),
    started: mtimeIso(layout.podStartedPath(pod.root)),
    // Not the lock holder's pid from /proc/locks: that is the flock(1) helper which took the lock.
    pid: running ? (readInt(layout.podPidPath(pod.root)) ?? -1) : -1,
    exited,
    apps,
    stage1,
    networks,
  };
}

/** rkt's `status` lines, for scripts (pure). */
export function formatStatusLines(info: PodInfo): string[] {
  const lines = [`state=${info.state}`];
  if (info.created) lines.push(`created=${info.created}`);
  if (info.started) lines.push(`started=${info.started}`);
  lines.push(`pid=${info.pid}`, `exited=${info.exited}`);
  if (info.networks.length > 0) {
    // rkt's form: networks=NAME:ip4=ADDR,NAME2:ip4=ADDR2
    lines.push(`networks=${info.networks.map((n) => `${n.name}:${n.ips.map((ip) => `${ip.includes(':') ? 'ip6' : 'ip4'}=${ip}`).join(':')}`).join(',')}`);
  }
  for (const app of info.apps) {
    if (app.exitStatus !== null) lines.push(`app-${app.name}=${app.exitStatus}`);
    else if (info.exited) lines.push(`app-${app.name}=unknown`);
    // A line of its own, so `app-NAME=` stays a bare number for scripts.
    if (app.oomKilled) lines.push(`app-${app.name}-oom=true`);
  }
  return lines;
}

/** `status --stats` lines per app: memory and CPU used, from the pod's cgroups (pure). */
export function formatStatsLines(stats: readonly AppCgroupUsage[]): string[] {
  const lines: string[] = [];
  for (const s of stats) {
    if (s.memoryBytes !== undefined) lines.push(`app-${s.app}-memory=${s.memoryBytes}`);
    if (s.memoryPeakBytes !== undefined) lines.push(`app-${s.app}-memory-peak=${s.memoryPeakBytes}`);
    if (s.memoryLimitBytes !== undefined) lines.push(`app-${s.app}-memory-limit=${s.memoryLimitBytes}`);
    if (s.cpuNs !== undefined) lines.push(`app-${s.app}-cpu-ns=${s.cpuNs}`);
    if (s.pids !== undefined) lines.push(`app-${s.app}-pids=${s.pids}`);
    if (s.oomKills !== undefined) lines.push(`app-${s.app}-oom-kills=${s.oomKills}`);
  }
  return lines;
}
