// Everything about one app that can be checked before the pod allocates anything (no
// sandbox, no network, no cgroup yet): its root exists, its user and group resolve in its own
// /etc/passwd and /etc/group, its volumes are planned, and its command is there and runnable
// (127 / 126 before anything starts, as the interface asks).
import fs from 'node:fs';
import path from 'node:path';
import type { PodManifest } from '../../../common/appc-types.ts';
import { SkiffError, isSkiffError } from '../../../common/errors.ts';
import { appRootfsPath } from '../../../common/layout.ts';
import { resolveUserGroup } from '../../../common/passwd.ts';
import type { ResolvedUser } from '../../../common/passwd.ts';
import { DEFAULT_APP_PATH, checkCommand, planAppExec } from '../../common/exec-plan.ts';
import type { ExecPlan } from '../../common/exec-plan.ts';
import { planVolumeMounts } from '../../common/mount-plan.ts';
import type { VolumeMount } from '../../common/mount-plan.ts';
import { effectiveGroup } from '../../common/pod-manifest.ts';
import type { PodApp } from '../../common/pod-manifest.ts';
import { readFileInRoot } from '../../common/resolve-in-root.ts';

export interface AppPlan {
  pod: PodApp;
  /** The app's root on the host (stage0 mounted or copied it there). */
  appRoot: string;
  user: ResolvedUser;
  exec: ExecPlan;
  /** In mount order (parents first). */
  volumes: VolumeMount[];
  warnings: string[];
}

/** Image mount points that get an implicit empty volume: no volume of the pod has their name, no mount covers them. */
export function implicitVolumes(manifest: PodManifest, pod: PodApp): string[] {
  const podVolumes = new Set((manifest.volumes ?? []).map((v) => v.name));
  const mounted = new Set((pod.runtime.mounts ?? []).flatMap((m) => [m.volume, path.posix.resolve('/', m.path)]));
  return (pod.app.mountPoints ?? [])
    .filter((mp) => !podVolumes.has(mp.name) && !mounted.has(mp.name) && !mounted.has(path.posix.resolve('/', mp.path)))
    .map((mp) => mp.name);
}

/** Where execvp would look for the command, inside the root. */
function commandCandidates(exec: ExecPlan): string[] {
  const cmd = exec.argv[0] ?? '';
  if (cmd.includes('/')) return [path.posix.resolve(exec.workingDirectory, cmd)];
  return (exec.env.PATH ?? DEFAULT_APP_PATH).split(':').map((dir) => path.posix.resolve(exec.workingDirectory, dir || '.', cmd));
}

const under = (p: string, dir: string): boolean => p === dir || p.startsWith(dir === '/' ? '/' : `${dir}/`);

/**
 * checkCommand, except that a command that may live on a volume is not judged: volumes are
 * mounted by the runtime, after this check, so the rootfs alone cannot say.
 */
export function checkAppCommand(exec: ExecPlan, volumes: readonly VolumeMount[]): void {
  try {
    checkCommand(exec);
  } catch (err) {
    if (!isSkiffError(err) || (err.code !== 'APP_NOT_FOUND' && err.code !== 'APP_NOT_EXECUTABLE')) throw err;
    const onVolume = commandCandidates(exec).some((c) => volumes.some((v) => under(c, v.target)));
    if (!onVolume) throw err;
  }
}

export function planApp(podRoot: string, manifest: PodManifest, pod: PodApp): AppPlan {
  const appRoot = appRootfsPath(podRoot, pod.name);
  if (!fs.statSync(appRoot, { throwIfNoEntry: false })?.isDirectory()) {
    throw new SkiffError('STAGE1_FAILED', `the root of app ${pod.name} is missing at ${appRoot}: the pod was not prepared`);
  }
  const user = resolveUserGroup(pod.app.user, effectiveGroup(pod), readFileInRoot(appRoot, '/etc/passwd'), readFileInRoot(appRoot, '/etc/group'), pod.name);
  const exec = planAppExec(appRoot, pod);
  const volumes = planVolumeMounts(manifest, pod.runtime, pod.app);
  checkAppCommand(exec, volumes);
  const warnings = implicitVolumes(manifest, pod).map(
    (name) => `app ${pod.name}: mount point ${name} has no volume; it gets an empty one that lives and dies with the pod (give one with --volume=${name},kind=host,source=…)`,
  );
  return { pod, appRoot, user, exec, volumes, warnings };
}
