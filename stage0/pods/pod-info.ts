// What `status` and `list` report about a pod, read from its directory (no daemon to ask).
import fs from 'node:fs';
import type { PodManifest } from '../../common/appc-types.ts';
import { parseAppName } from '../../common/ids.ts';
import * as layout from '../../common/layout.ts';
import type { PodState } from '../../common/pod-state.ts';
import type { PodRef } from './find-pod.ts';

export interface AppInfo {
  name: string;
  imageId: string;
  imageName: string | undefined;
  /** The app's exit status; null while running, or when stage1 could not record it (fly). */
  exitStatus: number | null;
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
  }));
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
  };
}

/** rkt's `status` lines, for scripts (pure). */
export function formatStatusLines(info: PodInfo): string[] {
  const lines = [`state=${info.state}`];
  if (info.created) lines.push(`created=${info.created}`);
  if (info.started) lines.push(`started=${info.started}`);
  lines.push(`pid=${info.pid}`, `exited=${info.exited}`);
  for (const app of info.apps) {
    if (app.exitStatus !== null) lines.push(`app-${app.name}=${app.exitStatus}`);
    else if (info.exited) lines.push(`app-${app.name}=unknown`);
  }
  return lines;
}
