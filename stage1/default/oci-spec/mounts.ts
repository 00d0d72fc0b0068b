// The app's mounts: the file systems every Linux container gets (the set `runc spec`,
// Docker and podman agree on), the pod's /etc files, then the volumes. Masked and read-only
// paths are Docker's defaults.
import type { VolumeName } from '../../../common/ids.ts';
import type { VolumeMount } from '../../common/mount-plan.ts';
import type { OciMount } from './oci-runtime-types.ts';

/** Where the runtime finds a volume's bytes: a host path, or the pod's empty-volume dir. */
export interface AppVolumeMount {
  volume: string;
  kind: 'host' | 'empty';
  /** On the host, absolute. */
  hostPath: string;
  /** Inside the app's root, absolute. */
  target: string;
  readOnly: boolean;
  /** Host volumes: bring the source's submounts along. */
  recursive: boolean;
}

/** The pod's files bound over the app's own, when the caller has them. */
export interface PodEtcFiles {
  resolvConf?: string;
  hosts?: string;
  hostname?: string;
}

export const SYSTEM_MOUNTS: readonly OciMount[] = Object.freeze([
  { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
  { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
  // gid=5 is the tty group of every distribution's /etc/group; newinstance gives the app its
  // own pty namespace instead of the host's.
  {
    destination: '/dev/pts',
    type: 'devpts',
    source: 'devpts',
    options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
  },
  { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
  { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
  { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
  { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
]);

/** Docker's masked paths: kernel interfaces that leak host information or poke hardware. */
export const MASKED_PATHS: readonly string[] = Object.freeze([
  '/proc/acpi',
  '/proc/asound',
  '/proc/interrupts',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/sys/devices/virtual/powercap',
  '/sys/firmware',
]);

/** Docker's read-only paths: /proc files that change the host kernel when written. */
export const READONLY_PATHS: readonly string[] = Object.freeze([
  '/proc/bus',
  '/proc/fs',
  '/proc/irq',
  '/proc/sys',
  '/proc/sysrq-trigger',
]);

const ETC_FILES: readonly (readonly [keyof PodEtcFiles, string])[] = [
  ['resolvConf', '/etc/resolv.conf'],
  ['hosts', '/etc/hosts'],
  ['hostname', '/etc/hostname'],
];

/**
 * Binds of the pod's resolv.conf, hosts and hostname. Read-only: one file serves every app
 * of the pod, so an app rewriting it would change its neighbours' name resolution.
 */
export function etcFileMounts(files: PodEtcFiles): OciMount[] {
  const out: OciMount[] = [];
  for (const [key, destination] of ETC_FILES) {
    const source = files[key];
    if (source !== undefined) out.push({ destination, type: 'bind', source, options: ['bind', 'nosuid', 'nodev', 'noexec', 'ro'] });
  }
  return out;
}

/**
 * A volume's bind. A read-only recursive bind makes the top mount read-only; the source's
 * submounts keep their own flags, as with `mount --rbind -o ro` (only mount_setattr's
 * AT_RECURSIVE, runc's `rro`, would reach them).
 */
export function volumeMount(m: AppVolumeMount): OciMount {
  const options = [m.kind === 'host' && m.recursive ? 'rbind' : 'bind'];
  if (m.readOnly) options.push('ro');
  return { destination: m.target, type: 'bind', source: m.hostPath, options };
}

/**
 * The planned volume mounts (stage1/common/mount-plan.ts, already in parent-first order)
 * with their host paths: a host volume's source, or `emptyDir(volume)` for an empty one
 * (layout.ts `(v) => emptyVolumePath(podRoot, v)`).
 */
export function resolveVolumeMounts(plan: readonly VolumeMount[], emptyDir: (volume: VolumeName) => string): AppVolumeMount[] {
  return plan.map((m) => ({
    volume: m.volume,
    kind: m.source.kind,
    hostPath: m.source.kind === 'host' ? m.source.path : emptyDir(m.source.volume),
    target: m.target,
    readOnly: m.readOnly,
    recursive: m.recursive,
  }));
}
