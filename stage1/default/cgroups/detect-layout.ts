// Which cgroup layout a host has, from /proc/self/mountinfo (pure). crun's
// libcrun_get_cgroup_mode asks the same question with statfs: cgroup2 mounted at the root is
// "unified"; a tmpfs there with cgroup2 at <root>/unified is "hybrid" (systemd's layout: v1
// controllers plus a cgroup2 tree that holds processes, and on some hosts a controller or two,
// like this machine's hugetlb); v1 hierarchies alone are "legacy".
import path from 'node:path';
import { SkiffError } from '../../../common/errors.ts';

export type CgroupLayout = 'v2' | 'hybrid' | 'v1';

export const DEFAULT_CGROUP_ROOT = '/sys/fs/cgroup';

export interface MountinfoEntry {
  mountPoint: string;
  fsType: string;
  source: string;
  superOptions: string[];
}

export interface V1Hierarchy {
  mountPoint: string;
  /** Controllers bound to it (`cpu`, `cpuacct`), and `name=systemd` style named hierarchies. */
  controllers: string[];
}

export interface CgroupMounts {
  /** The cgroup2 mount: the root itself (v2) or <root>/unified (hybrid). */
  unified?: string;
  v1: V1Hierarchy[];
}

/** mountinfo escapes space, tab, newline and backslash in paths as octal (`\040`). */
function unescapeMountPath(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));
}

/** Parses /proc/<pid>/mountinfo (proc(5)); lines it cannot read are skipped. */
export function parseMountinfo(text: string): MountinfoEntry[] {
  const entries: MountinfoEntry[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    const dash = fields.indexOf('-', 6);
    if (fields.length < 10 || dash < 0 || dash + 3 > fields.length) continue;
    entries.push({
      mountPoint: unescapeMountPath(fields[4]!),
      fsType: fields[dash + 1]!,
      source: unescapeMountPath(fields[dash + 2]!),
      superOptions: (fields[dash + 3] ?? '').split(','),
    });
  }
  return entries;
}

const NOT_CONTROLLERS = new Set(['rw', 'ro', 'noprefix', 'xattr', 'clone_children', 'cpuset_v2_mode', 'favordynmods']);

/**
 * The cgroup filesystems mounted at `root` and directly below it. Where mounts are stacked on
 * one mount point the last (topmost) one is what a path lookup sees, so it wins.
 */
export function findCgroupMounts(root: string, mountinfoText: string): { top?: MountinfoEntry; mounts: CgroupMounts } {
  const base = path.resolve(root);
  const byPoint = new Map<string, MountinfoEntry>();
  for (const entry of parseMountinfo(mountinfoText)) {
    if (entry.mountPoint === base || path.dirname(entry.mountPoint) === base) byPoint.set(entry.mountPoint, entry);
  }
  const top = byPoint.get(base);
  if (top?.fsType === 'cgroup2') return { top, mounts: { unified: base, v1: [] } };
  const v1: V1Hierarchy[] = [];
  for (const entry of byPoint.values()) {
    if (entry.fsType !== 'cgroup' || entry.mountPoint === base) continue;
    const controllers = entry.superOptions.filter((o) => !NOT_CONTROLLERS.has(o) && !o.startsWith('release_agent='));
    v1.push({ mountPoint: entry.mountPoint, controllers });
  }
  // Plain comparison: localeCompare would build an ICU collator (~7 ms) on every pod start.
  v1.sort((a, b) => (a.mountPoint < b.mountPoint ? -1 : a.mountPoint > b.mountPoint ? 1 : 0));
  const unified = byPoint.get(path.join(base, 'unified'));
  return { top, mounts: unified?.fsType === 'cgroup2' ? { unified: unified.mountPoint, v1 } : { v1 } };
}

/** 'v2' (pure unified), 'hybrid' (v1 controllers + cgroup2 at <root>/unified) or 'v1'. */
export function detectCgroupLayout(root: string, mountinfoText: string): CgroupLayout {
  const { top, mounts } = findCgroupMounts(root, mountinfoText);
  if (top?.fsType === 'cgroup2') return 'v2';
  if (mounts.v1.length > 0) return mounts.unified ? 'hybrid' : 'v1';
  throw new SkiffError('IO', `no cgroup filesystem is mounted at ${root} (found ${top ? top.fsType : 'no mount'} there)`, {
    hint: 'mount cgroup2 there (mount -t cgroup2 none /sys/fs/cgroup), or the v1 controllers below it',
  });
}

/** The words of a `cgroup.controllers` or `cgroup.subtree_control` file. */
export function parseControllerList(text: string): string[] {
  return text.split(/\s+/).filter((w) => w !== '');
}
