// Every on-disk path skiff uses, as pure functions of the data dir or a pod directory.
// No other module joins literal path segments; docs/on-disk-format.md lists the same paths
// and a unit test keeps the two in step.
import path from 'node:path';
import type { AppName, Digest, ImageId, PodUuid, TreeId, VolumeName } from './ids.ts';

/** Bumped whenever the on-disk format changes incompatibly (pnpm's STORE_VERSION). */
export const LAYOUT_VERSION = 1;
export const DEFAULT_DATA_DIR = '/var/lib/skiff';

/**
 * Node's compile cache for skiff's own code when root runs it (others: ~/.cache/skiff/…).
 * Not Node's default, $TMPDIR/node-compile-cache: any user could create that first and feed
 * root's skiff its own code cache. The launcher entry (scripts/build.ts) embeds these.
 */
export const ROOT_COMPILE_CACHE_DIR = '/var/cache/skiff/node-compile-cache';
export const USER_COMPILE_CACHE_SUBDIR = '.cache/skiff/node-compile-cache';
/**
 * skiff's own V8 code cache (common/code-cache.ts), inside the compile cache directory: one
 * directory per Node version and architecture, as Node keeps its own.
 */
export const codeCacheDir = (compileCacheDir: string, nodeVersion: string, arch: string): string => path.join(compileCacheDir, `skiff-${nodeVersion}-${arch}`);
/** Seccomp filters crun compiled, for it to load again (stage1/default/runtime/seccomp-cache.ts); root's only. */
export const SECCOMP_CACHE_DIR = '/var/cache/skiff/seccomp';
export const seccompCacheKeyPath = (dir: string, name: string): string => path.join(dir, `${name}.key`);
export const seccompCacheFilterPath = (dir: string, name: string): string => path.join(dir, `${name}.bpf`);
/** Where crun exports the filter it compiled for a container (its state directory under --root). */
export const runtimeSeccompExportPath = (podRoot: string, containerId: string): string => path.join(podRuntimeStateDir(podRoot), containerId, 'seccomp.bpf');

export const POD_STATES = ['embryo', 'preparing', 'prepared', 'run', 'exited-garbage', 'garbage'] as const;
export type PodStateDir = (typeof POD_STATES)[number];

// ---- data dir ----
export const layoutVersionPath = (dataDir: string): string => path.join(dataDir, 'layout-version');
/** flock'd shared by writers (fetch, prepare) and exclusively by `image gc`. */
export const storeLockPath = (dataDir: string): string => path.join(dataDir, 'store.lock');

export const casDir = (dataDir: string): string => path.join(dataDir, 'cas');
export const casTmpDir = (dataDir: string): string => path.join(dataDir, 'cas', 'tmp');
export const casAlgoDir = (dataDir: string, algo: 'sha256' | 'sha512'): string => path.join(dataDir, 'cas', 'blobs', algo);
export function casBlobPath(dataDir: string, digest: Digest): string {
  const [algo, hex] = digest.split(':') as ['sha256' | 'sha512', string];
  return path.join(casAlgoDir(dataDir, algo), hex);
}

/** One JSON record per image, so concurrent fetches never rewrite a shared index file. */
export const imageIndexDir = (dataDir: string): string => path.join(dataDir, 'images');
export function imageRecordPath(dataDir: string, id: ImageId): string {
  return path.join(imageIndexDir(dataDir), `${id.replace(':', '-')}.json`);
}

export const treeStoreDir = (dataDir: string): string => path.join(dataDir, 'tree');
export const treeTmpDir = (dataDir: string): string => path.join(dataDir, 'tree', 'tmp');
export const treePath = (dataDir: string, id: TreeId): string => path.join(dataDir, 'tree', id);
export const treeRootfsPath = (dataDir: string, id: TreeId): string => path.join(treePath(dataDir, id), 'rootfs');
/** The entry listing and tree hash, written before the marker. */
export const treeRecordPath = (dataDir: string, id: TreeId): string => path.join(treePath(dataDir, id), 'record.json');
/** Completion marker, written last: a tree without it is garbage from an interrupted render. */
export const treeRenderedPath = (dataDir: string, id: TreeId): string => path.join(treePath(dataDir, id), 'rendered');

/** What `skiff fetch` learnt of remote images (ETag, Cache-Control, the image it gave), one record per URL. */
export const remoteCacheDir = (dataDir: string): string => path.join(dataDir, 'remote');
/** `key` is the hex sha256 of the URL, so any URL maps to one safe file name. */
export const remoteCacheRecordPath = (dataDir: string, key: string): string => path.join(dataDir, 'remote', `${key}.json`);

/** What skiff derived from files it reads on every run (the stage1 ACI's digest, tree records' hashes), by stat stamp. */
export const stampCachePath = (dataDir: string): string => path.join(dataDir, 'stamp-cache.json');

// ---- config dirs (rkt's --local-config / --system-config: local wins, an empty local file masks) ----
export const DEFAULT_LOCAL_CONFIG_DIR = '/etc/skiff';
export const DEFAULT_SYSTEM_CONFIG_DIR = '/usr/lib/skiff';
/** Keys trusted for every image name. */
export const trustedKeysRootDir = (configDir: string): string => path.join(configDir, 'trustedkeys', 'root.d');
/** Where the per-prefix key dirs start (listing walks it). */
export const trustedKeysPrefixBaseDir = (configDir: string): string => path.join(configDir, 'trustedkeys', 'prefix.d');
/** Keys trusted for names under `prefix` (`example.com/app` → prefix.d/example.com/app/). */
export const trustedKeysPrefixDir = (configDir: string, prefix: string): string =>
  path.join(trustedKeysPrefixBaseDir(configDir), ...prefix.split('/'));
/** One armored public key per file, named by its lowercase hex fingerprint. */
export const trustedKeyPath = (keyDir: string, fingerprint: string): string => path.join(keyDir, fingerprint);
/** Registry and HTTPS credentials (`*.json`, rkt's auth.d format with skiffKind). */
export const authConfigDir = (configDir: string): string => path.join(configDir, 'auth.d');
/** Extra CAs (and client certs) for one registry or web host, as docker's certs.d/HOST:PORT/. */
export const hostCertsDir = (configDir: string, hostPort: string): string => path.join(configDir, 'certs.d', hostPort);
/** docker's own credential file, honoured for registries as podman and skopeo do. */
export const dockerConfigPath = (home: string): string => path.join(home, '.docker', 'config.json');

// ---- pods ----
export const podsDir = (dataDir: string): string => path.join(dataDir, 'pods');
export const podStateDir = (dataDir: string, state: PodStateDir): string => path.join(dataDir, 'pods', state);
export const podDir = (dataDir: string, state: PodStateDir, uuid: PodUuid): string =>
  path.join(dataDir, 'pods', state, uuid);

// ---- inside a pod directory (podRoot) ----
export const podManifestPath = (podRoot: string): string => path.join(podRoot, 'pod');
export const podCreatedPath = (podRoot: string): string => path.join(podRoot, 'pod-created');
/** `overlay` or `copy`: how stage0 rendered the pod's root filesystems (run-prepared re-mounts overlays). */
export const podRenderModePath = (podRoot: string): string => path.join(podRoot, 'render-mode');
/** The pod options that reach stage1 as run options (--net, --hostname…), saved by prepare for run-prepared. */
export const podRunOptionsPath = (podRoot: string): string => path.join(podRoot, 'run-options.json');
export const podPidPath = (podRoot: string): string => path.join(podRoot, 'pid');
export const stage1ManifestPath = (podRoot: string): string => path.join(podRoot, 'stage1', 'manifest');
/** The stage1 image's ID, so its trees can be mounted again (after a reboot) without guessing. */
export const stage1ImageIdPath = (podRoot: string): string => path.join(podRoot, 'stage1', 'image-id');
export const stage1RootfsPath = (podRoot: string): string => path.join(podRoot, 'stage1', 'rootfs');
export const appRootfsPath = (podRoot: string, app: AppName): string =>
  path.join(podRoot, 'stage1', 'rootfs', 'opt', 'stage2', app, 'rootfs');
export const appsInfoDir = (podRoot: string): string => path.join(podRoot, 'appsinfo');
export const appsInfoPath = (podRoot: string, app: AppName): string => path.join(podRoot, 'appsinfo', app);
export const appImageManifestPath = (podRoot: string, app: AppName): string =>
  path.join(podRoot, 'appsinfo', app, 'manifest');
export const appTreeIdPath = (podRoot: string, app: AppName): string => path.join(podRoot, 'appsinfo', app, 'treeStoreID');
export const overlayUpperPath = (podRoot: string, app: AppName): string => path.join(podRoot, 'overlay', app, 'upper');
export const overlayWorkPath = (podRoot: string, app: AppName): string => path.join(podRoot, 'overlay', app, 'work');
export const stage1OverlayUpperPath = (podRoot: string): string => path.join(podRoot, 'overlay', 'stage1', 'upper');
export const stage1OverlayWorkPath = (podRoot: string): string => path.join(podRoot, 'overlay', 'stage1', 'work');
export const podResolvConfPath = (podRoot: string): string =>
  path.join(podRoot, 'stage1', 'rootfs', 'etc', 'skiff-resolv.conf');
export const podHostsPath = (podRoot: string): string => path.join(podRoot, 'stage1', 'rootfs', 'etc', 'skiff-hosts');
export const appStatusDir = (podRoot: string): string => path.join(podRoot, 'stage1', 'rootfs', 'skiff', 'status');
export const appStatusPath = (podRoot: string, app: AppName): string =>
  path.join(podRoot, 'stage1', 'rootfs', 'skiff', 'status', app);
/** Backing directories of the pod's `kind=empty` volumes, shared by its apps. */
export const podVolumesDir = (podRoot: string): string => path.join(podRoot, 'volumes');
export const emptyVolumePath = (podRoot: string, volume: VolumeName): string => path.join(podRoot, 'volumes', volume);
/** Written by stage1 when the pod's apps have been started (its mtime is the start time). */
export const podStartedPath = (podRoot: string): string => path.join(podRoot, 'started');
export const appLogPath = (podRoot: string, app: AppName): string =>
  path.join(podRoot, 'stage1', 'rootfs', 'skiff', 'logs', app);

// ---- an ACI's own layout (image export/extract/render output, and ACI archives) ----
export const aciManifestPath = (dir: string): string => path.join(dir, 'manifest');
export const aciRootfsPath = (dir: string): string => path.join(dir, 'rootfs');

// ---- the default stage1's records inside a pod directory (docs/stage1-interface.md) ----
/** The pod's sandbox (the pid-1 process holding its namespaces): `{ "pid": N, "startTime": T }`. */
export const podSandboxPath = (podRoot: string): string => path.join(podRoot, 'sandbox.json');
/** The default stage1's launcher for crun on a hybrid cgroup host (native/skiff-runtime-exec.c), when its ACI has one. */
export const stage1RuntimeLauncherPath = (podRoot: string): string => path.join(podRoot, 'stage1', 'rootfs', 'skiff', 'stage1', 'runtime-exec');
/** Created by the sandbox once its namespaces are set up; its start-up errors go to the other file. */
export const podSandboxReadyPath = (podRoot: string): string => path.join(podRoot, 'sandbox.ready');
export const podSandboxErrorPath = (podRoot: string): string => path.join(podRoot, 'sandbox.err');
/** A bind mount of the pod's network namespace (CNI networks only), so gc can run CNI DEL after a crash. */
export const podNetnsPath = (podRoot: string): string => path.join(podRoot, 'netns');
/** The pod's networks and addresses, for `status` and `list` (common/pod-net-status.ts reads it). */
export const podNetStatusPath = (podRoot: string): string => path.join(podRoot, 'net-status.json');
export const podCniDir = (podRoot: string): string => path.join(podRoot, 'cni');
/** What CNI DEL needs: the plugins to call, in ADD order, with their environment. */
export const podCniTeardownPath = (podRoot: string): string => path.join(podRoot, 'cni', 'teardown.json');
/** The stdin of one CNI DEL call (step `n` of the teardown record). */
export const podCniDelConfigPath = (podRoot: string, step: number): string => path.join(podRoot, 'cni', `del-${step}.json`);
/** The apps' cgroup directories, for `status --stats` (common/cgroup-stats.ts reads it) and gc. */
export const podCgroupsPath = (podRoot: string): string => path.join(podRoot, 'cgroups.json');
/** The OCI runtime running the pod's apps: its path, its state dir and the container IDs. */
export const podRuntimePath = (podRoot: string): string => path.join(podRoot, 'runtime.json');
/** The OCI runtime's state directory (its `--root`), private to the pod. */
export const podRuntimeStateDir = (podRoot: string): string => path.join(podRoot, 'runtime');
/** The generated plan (bash variables) the default stage1's monitor runs from. */
export const podMonitorPlanPath = (podRoot: string): string => path.join(podRoot, 'monitor-plan.sh');
export const appBundlesDir = (podRoot: string): string => path.join(podRoot, 'bundles');
/** An app's OCI bundle directory (its rootfs stays at appRootfsPath). */
export const appBundlePath = (podRoot: string, app: AppName): string => path.join(podRoot, 'bundles', app);
export const appOciConfigPath = (podRoot: string, app: AppName): string => path.join(podRoot, 'bundles', app, 'config.json');
/** An `enter`'s process.json (the app's process with the command's args), unlinked once the runtime has it open. */
export const appExecProcessPath = (podRoot: string, app: AppName, pid: number): string => path.join(podRoot, 'bundles', app, `exec-${pid}.json`);
/** The pod's own /etc files, bound read-only over each app's. */
export const podEtcDir = (podRoot: string): string => path.join(podRoot, 'stage1', 'rootfs', 'skiff', 'etc');
export type PodEtcFile = 'hostname' | 'hosts' | 'resolv.conf';
export const podEtcFilePath = (podRoot: string, name: PodEtcFile): string =>
  path.join(podRoot, 'stage1', 'rootfs', 'skiff', 'etc', name);
export const appLogDir = (podRoot: string): string => path.join(podRoot, 'stage1', 'rootfs', 'skiff', 'logs');
export const appOomDir = (podRoot: string): string => path.join(podRoot, 'stage1', 'rootfs', 'skiff', 'oom');
/** Present when the kernel's OOM killer killed a process of the app (its status is then usually 137). */
export const appOomPath = (podRoot: string, app: AppName): string => path.join(podRoot, 'stage1', 'rootfs', 'skiff', 'oom', app);
