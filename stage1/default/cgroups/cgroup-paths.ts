// Where a pod's cgroups live: `skiff/<uuid>` with one child per app, `skiff/<uuid>/<app>`, the
// same relative path in every hierarchy (each v1 controller's, or the one unified tree). A
// CgroupPath comes only from these functions (or parseCgroupPath), so nothing unvalidated is
// joined under a cgroup root. The `skiff` parent is never removed: another pod may be creating
// its own cgroup under it at that moment.
import { SkiffError } from '../../../common/errors.ts';
import type { AppName, PodUuid } from '../../../common/ids.ts';

/** A cgroup below a hierarchy's root, without a leading slash: `skiff/<uuid>[/<app>]`. */
export type CgroupPath = string & { readonly __brand: 'CgroupPath' };

export const SKIFF_CGROUP_PARENT = 'skiff';

const SEGMENT_RE = /^[A-Za-z0-9_.:@-]+$/;

/** Validates a relative cgroup path (from a pod's record, say): no `..`, no empty segments. */
export function parseCgroupPath(value: string): CgroupPath {
  const trimmed = value.replace(/^\/+/, '');
  const segments = trimmed.split('/');
  const bad = trimmed === '' || segments.some((s) => s === '.' || s === '..' || !SEGMENT_RE.test(s));
  if (bad) throw new SkiffError('INTERNAL', `invalid cgroup path ${JSON.stringify(value)}`);
  return trimmed as CgroupPath;
}

export function podCgroupPath(uuid: PodUuid): CgroupPath {
  return `${SKIFF_CGROUP_PARENT}/${uuid}` as CgroupPath;
}

export function appCgroupPath(pod: CgroupPath, app: AppName): CgroupPath {
  return `${pod}/${app}` as CgroupPath;
}

/**
 * The runtime's own cgroup below the app's, where the app's cgroup must outlive the runtime's
 * (runtimeCgroupNested in pod-cgroup-record.ts).
 */
export function runtimeCgroupPath(app: CgroupPath): CgroupPath {
  return `${app}/container` as CgroupPath;
}

/**
 * The OCI config's `linux.cgroupsPath`: absolute, so both runc and crun (cgroupfs manager) read
 * it as relative to each hierarchy's root rather than to the runtime's own cgroup.
 */
export function ociCgroupsPath(cgroup: CgroupPath): string {
  return `/${cgroup}`;
}
