// One app's OCI bundle: POD/bundles/<app>/config.json (the rootfs stays where stage0 put it,
// config.json names it). Mount targets are made inside the app's root first, resolved the
// way the kernel would after chroot (stage1/common/resolve-in-root.ts), and the runtime is
// given the resolved path: an image's symlink can never point a bind at the host.
import fs from 'node:fs';
import { wrap } from '../../../common/errors.ts';
import { appBundlePath, appOciConfigPath } from '../../../common/layout.ts';
import { VOLATILE, writeJsonAtomic } from '../../../common/write-atomic.ts';
import { ensureEmptyVolume } from '../../common/apply-mounts.ts';
import { ensurePathInRoot, resolveInRoot } from '../../common/resolve-in-root.ts';
import { buildOciSpec } from '../oci-spec/build-oci-spec.ts';
import type { HostLimits, InsecureOptions, PodNamespacePaths } from '../oci-spec/build-oci-spec.ts';
import type { AppVolumeMount, PodEtcFiles } from '../oci-spec/mounts.ts';
import type { OciRuntimeSpec } from '../oci-spec/oci-runtime-types.ts';
import { applySeccompCache, type SeccompCache } from '../runtime/seccomp-cache.ts';
import type { AppPlan } from './plan-app.ts';
import { hostSourceKind } from '../../common/apply-mounts.ts';

/** What every app of the pod shares. */
export interface PodSettings {
  podNamespaces: PodNamespacePaths;
  hostNetwork: boolean;
  hostname: string;
  etcFiles: PodEtcFiles;
  insecure: InsecureOptions;
  interactive: boolean;
  host: HostLimits;
}

const ETC_TARGETS: Readonly<Record<keyof PodEtcFiles, string>> = {
  resolvConf: '/etc/resolv.conf',
  hosts: '/etc/hosts',
  hostname: '/etc/hostname',
};

/** Creates the target inside the root and returns its resolved path there. */
function mountTarget(appRoot: string, target: string, kind: 'dir' | 'file'): string {
  ensurePathInRoot(appRoot, target, kind);
  return resolveInRoot(appRoot, target).inRoot;
}

/** The app's volumes with host paths (empty volumes created) and resolved targets. */
export function prepareVolumeMounts(podRoot: string, plan: AppPlan): AppVolumeMount[] {
  return plan.volumes.map((m) => {
    try {
      const hostPath = m.source.kind === 'host' ? m.source.path : ensureEmptyVolume(podRoot, m.source);
      const kind = m.source.kind === 'host' ? hostSourceKind(hostPath) : 'dir';
      const target = mountTarget(plan.appRoot, m.target, kind);
      return { volume: m.volume, kind: m.source.kind, hostPath, target, readOnly: m.readOnly, recursive: m.recursive };
    } catch (err) {
      throw wrap(err, `app ${plan.pod.name}: volume ${m.volume} at ${m.target}`);
    }
  });
}

/** Points the /etc file binds at their resolved targets in this app's root (an image may ship symlinks there). */
function resolveEtcTargets(spec: OciRuntimeSpec, appRoot: string, files: PodEtcFiles): void {
  for (const [key, target] of Object.entries(ETC_TARGETS) as [keyof PodEtcFiles, string][]) {
    if (files[key] === undefined) continue;
    const resolved = mountTarget(appRoot, target, 'file');
    for (const m of spec.mounts) if (m.destination === target && m.source === files[key]) m.destination = resolved;
  }
}

/** The app's cgroup as the runtime is given it. */
export interface BundleCgroup {
  /** `linux.cgroupsPath`. */
  path: string;
  /**
   * Stage1 limits the app's memory one level above the runtime's cgroup itself
   * (pod-cgroup-record.ts runtimeCgroupNested): the limit leaves the config and is returned.
   */
  memoryAbove?: boolean;
}

/** A compiled seccomp filter to hand crun, or the hook to keep the one it compiles (runtime/seccomp-cache.ts). */
export interface BundleSeccompCache {
  cache: SeccompCache;
  /** Where the runtime exports this app's compiled filter (layout.runtimeSeccompExportPath). */
  exportPath: string;
}

export interface WrittenBundle {
  warnings: string[];
  /** The memory limit stage1 must set itself (BundleCgroup.memoryAbove). */
  memoryLimit?: number;
}

/** Writes the app's config.json; returns the warnings of the translation. */
export function writeAppBundle(podRoot: string, plan: AppPlan, pod: PodSettings, cgroup: BundleCgroup, seccomp?: BundleSeccompCache): WrittenBundle {
  const { appRoot } = plan;
  // Like runc, a missing working directory is created rather than an error.
  ensurePathInRoot(appRoot, plan.exec.workingDirectory, 'dir');
  const mounts = prepareVolumeMounts(podRoot, plan);
  const { spec, warnings } = buildOciSpec({
    runtimeApp: plan.pod.runtime,
    ...(plan.pod.image ? { imageManifest: plan.pod.image } : {}),
    user: plan.user,
    mounts,
    podNamespaces: pod.podNamespaces,
    hostNetwork: pod.hostNetwork,
    hostname: pod.hostname,
    etcFiles: pod.etcFiles,
    rootfs: appRoot,
    cgroupsPath: cgroup.path,
    insecure: pod.insecure,
    interactive: pod.interactive,
    host: pod.host,
  });
  resolveEtcTargets(spec, appRoot, pod.etcFiles);
  const memoryLimit = cgroup.memoryAbove ? spec.linux?.resources?.memory?.limit : undefined;
  if (cgroup.memoryAbove) delete spec.linux?.resources?.memory;
  if (seccomp) applySeccompCache(seccomp.cache, spec, seccomp.exportPath);
  try {
    fs.mkdirSync(appBundlePath(podRoot, plan.pod.name), { recursive: true, mode: 0o700 });
    writeJsonAtomic(appOciConfigPath(podRoot, plan.pod.name), spec, 0o600, VOLATILE);
  } catch (err) {
    throw wrap(err, `writing the OCI bundle of app ${plan.pod.name}`);
  }
  return memoryLimit === undefined ? { warnings } : { warnings, memoryLimit };
}
