// Which volumes an app gets, and where: pure functions of the pod manifest (and of
// /proc/self/mountinfo text for the submounts of a recursive bind).
//
// Rules (appc, as rkt applies them):
// - each of the runtime app's `mounts` binds its volume (`appVolume`, else the pod volume of
//   that name) at its `path`;
// - each of the app's `mountPoints` that no mount covers (by volume name or path) gets the
//   pod volume of the same name, else an implicit `kind=empty` volume (mode 0755, root-owned)
//   that lives and dies with the pod;
// - read-only: the volume's `readOnly`, else the mount point's, else read-write;
// - `recursive` (host volumes) defaults to true: submounts of the source come along;
// - parents are mounted before children (sorted by depth), so /a never hides /a/b.
import path from 'node:path';
import type { App, MountPoint, PodManifest, RuntimeApp, Volume } from '../../common/appc-types.ts';
import { SkiffError } from '../../common/errors.ts';
import { parseVolumeName } from '../../common/ids.ts';
import type { VolumeName } from '../../common/ids.ts';

export type MountSource =
  | { kind: 'host'; path: string }
  | { kind: 'empty'; volume: VolumeName; mode: number; uid: number; gid: number };

export interface VolumeMount {
  volume: string;
  source: MountSource;
  /** Absolute and normalized, inside the app's root. */
  target: string;
  readOnly: boolean;
  recursive: boolean;
}

/** Host file systems fly binds recursively into the app's root (host namespaces, as rkt fly). */
export const FLY_SYSTEM_MOUNTS: readonly string[] = ['/proc', '/sys', '/dev'];

const DEFAULT_EMPTY_MODE = 0o755;

function parseMode(volume: Volume): number {
  if (volume.mode === undefined) return DEFAULT_EMPTY_MODE;
  if (!/^[0-7]{1,4}$/.test(volume.mode)) {
    throw new SkiffError('POD_MANIFEST_INVALID', `volume ${volume.name} has mode ${JSON.stringify(volume.mode)}: give an octal mode such as 0755`);
  }
  return parseInt(volume.mode, 8);
}

function sourceOf(volume: Volume): MountSource {
  if (volume.kind === 'host') {
    if (!volume.source?.startsWith('/')) {
      throw new SkiffError('POD_MANIFEST_INVALID', `host volume ${volume.name} needs an absolute source path`, {
        hint: `--volume=${volume.name},kind=host,source=/path`,
      });
    }
    return { kind: 'host', path: path.posix.resolve(volume.source) };
  }
  return { kind: 'empty', volume: parseVolumeName(volume.name), mode: parseMode(volume), uid: volume.uid ?? 0, gid: volume.gid ?? 0 };
}

function normalizeTarget(p: string): string {
  return path.posix.resolve('/', p);
}

function toMount(volume: Volume, target: string, mountPoint: MountPoint | undefined): VolumeMount {
  const source = sourceOf(volume);
  return {
    volume: volume.name,
    source,
    target: normalizeTarget(target),
    readOnly: volume.readOnly ?? mountPoint?.readOnly ?? false,
    recursive: source.kind === 'host' ? (volume.recursive ?? true) : false,
  };
}

const depthOf = (p: string): number => p.split('/').filter(Boolean).length;

/** The volume mounts of one app, in the order to mount them. */
export function planVolumeMounts(pod: PodManifest, runtime: RuntimeApp, app: App): VolumeMount[] {
  const podVolumes = new Map((pod.volumes ?? []).map((v) => [v.name, v]));
  const mountPoints = app.mountPoints ?? [];
  const out: VolumeMount[] = [];
  for (const m of runtime.mounts ?? []) {
    const volume = m.appVolume ?? podVolumes.get(m.volume);
    if (!volume) {
      throw new SkiffError('POD_MANIFEST_INVALID', `app ${runtime.name} mounts volume ${JSON.stringify(m.volume)}, which the pod does not define`);
    }
    out.push(toMount(volume, m.path, mountPoints.find((mp) => mp.name === m.volume)));
  }
  for (const mp of mountPoints) {
    const target = normalizeTarget(mp.path);
    if (out.some((m) => m.volume === mp.name || m.target === target)) continue;
    const volume = podVolumes.get(mp.name) ?? { name: mp.name, kind: 'empty' as const };
    out.push(toMount(volume, target, mp));
  }
  const targets = new Set<string>();
  for (const m of out) {
    if (targets.has(m.target)) {
      throw new SkiffError('POD_MANIFEST_INVALID', `app ${runtime.name} has two volumes mounted at ${m.target}: keep one`);
    }
    targets.add(m.target);
  }
  // A stable sort: equal depths keep the manifest's order.
  return out.map((m, i) => ({ m, i })).sort((a, b) => depthOf(a.m.target) - depthOf(b.m.target) || a.i - b.i).map(({ m }) => m);
}

/** Mount points listed in /proc/self/mountinfo, in order (octal escapes such as \040 decoded). */
export function parseMountinfo(text: string): string[] {
  const points: string[] = [];
  for (const line of text.split('\n')) {
    const field = line.split(' ')[4];
    if (field === undefined) continue;
    points.push(field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8))));
  }
  return points;
}

/** Mount points strictly below `target` (parents first, as mountinfo lists them), without duplicates. */
export function submountsUnder(mountinfoText: string, target: string): string[] {
  const prefix = target.endsWith('/') ? target : `${target}/`;
  return [...new Set(parseMountinfo(mountinfoText).filter((p) => p.startsWith(prefix)))];
}
