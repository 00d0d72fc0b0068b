// The pod manifest from the command line (rkt stage0 generatePodManifest), as a pure
// function of the parsed options and the image manifests the store returned. Everything
// that touches the disk (reading --set-env-file, the store) happens in the caller.
import { APPC_VERSION } from '../../common/appc-types.ts';
import type { App, ImageManifest, NameValue, PodManifest, RuntimeApp, Volume } from '../../common/appc-types.ts';
import { SkiffError } from '../../common/errors.ts';
import { parseAppName } from '../../common/ids.ts';
import type { AppName } from '../../common/ids.ts';
import { sanitizeAcName } from './ac-name.ts';
import { appIsolators, mergeIsolators } from './app-isolators.ts';
import type { ParsedAppOptions } from './app-options.ts';
import { checkMounts, checkPortForwards, checkVolumes, unsatisfiedMountPoints } from './manifest-checks.ts';
import type { ParsedPodOptions } from './pod-options.ts';

export interface PodAppInput {
  imageId: string;
  imageManifest: ImageManifest;
  opts: ParsedAppOptions;
  /** The words after `--`; undefined keeps the image's arguments. */
  execArgs?: readonly string[] | undefined;
}

export type PodManifestOptions = Pick<ParsedPodOptions, 'volumes' | 'ports' | 'setEnv' | 'inheritEnv' | 'interactive'>;

export interface BuildPodManifestInput {
  apps: readonly PodAppInput[];
  pod: PodManifestOptions;
  /** stage0's environment; used only with --inherit-env. */
  hostEnv: Readonly<Record<string, string>>;
  /** The --set-env-file contents, already parsed (parseEnvFile) and merged in file order. */
  envFile?: Readonly<Record<string, string>>;
}

export interface BuiltPodManifest {
  manifest: PodManifest;
  /** Things the user should hear about that do not stop the pod. */
  warnings: string[];
}

function invalid(message: string): SkiffError {
  return new SkiffError('POD_MANIFEST_INVALID', message);
}

/** The last path component of the image name as an ACName: "example.com/My_App" → "my-app" (rkt). */
export function defaultAppName(imageName: string): AppName {
  const last = imageName.split('/').filter((p) => p !== '').at(-1) ?? '';
  const name = sanitizeAcName(last.replace(/[:@].*$/, ''));
  if (name === undefined) throw invalid(`cannot make an app name from image name ${JSON.stringify(imageName)}: give --name`);
  return parseAppName(name);
}

/**
 * --exec replaces the image's whole command; words after `--` replace its arguments and
 * keep its executable: [exec[0], ...args]. Undefined when there is no executable at all.
 */
export function resolveExec(
  imageExec: readonly string[] | undefined,
  execOverride: string | undefined,
  execArgs: readonly string[] | undefined,
): string[] | undefined {
  const base = execOverride !== undefined ? [execOverride] : [...(imageExec ?? [])];
  const executable = base[0];
  if (executable === undefined || executable === '') return undefined;
  return execArgs === undefined ? base : [executable, ...execArgs];
}

export interface EnvironmentLayers {
  image: readonly NameValue[] | undefined;
  inherited?: Readonly<Record<string, string>>;
  envFile?: Readonly<Record<string, string>>;
  setEnv: Readonly<Record<string, string>>;
  app: Readonly<Record<string, string>>;
}

/**
 * Lowest to highest: inherited host env < image env < --set-env-file < --set-env <
 * per-app --environment (rkt). Inherited variables only fill names the image leaves unset.
 * Names keep the position where they first appear.
 */
export function mergeEnvironment(layers: EnvironmentLayers): NameValue[] {
  const env = new Map<string, string>();
  for (const { name, value } of layers.image ?? []) env.set(name, value);
  for (const [name, value] of Object.entries(layers.inherited ?? {})) if (!env.has(name)) env.set(name, value);
  for (const layer of [layers.envFile ?? {}, layers.setEnv, layers.app]) {
    for (const [name, value] of Object.entries(layer)) env.set(name, value);
  }
  return [...env].map(([name, value]) => ({ name, value }));
}

function buildApp(input: PodAppInput, name: AppName, build: BuildPodManifestInput): App {
  const { imageManifest: im, opts } = input;
  // An image without an app section still runs with --exec; as root, since stage0 is root
  // (rkt used stage0's own uid/gid, which is 0 there too).
  const app: App = im.app ? structuredClone(im.app) : { exec: [], user: '0', group: '0' };
  const exec = resolveExec(im.app?.exec, opts.exec, input.execArgs);
  if (!exec) throw invalid(`app ${name} has no exec: give --exec=/path/to/program after image ${im.name}`);
  app.exec = exec;
  if (opts.user !== undefined) app.user = opts.user;
  if (opts.group !== undefined) app.group = opts.group;
  if (opts.supplementaryGids !== undefined) app.supplementaryGIDs = [...opts.supplementaryGids];
  if (opts.workingDir !== undefined) app.workingDirectory = opts.workingDir;
  const environment = mergeEnvironment({
    image: app.environment,
    ...(build.pod.inheritEnv ? { inherited: build.hostEnv } : {}),
    ...(build.envFile ? { envFile: build.envFile } : {}),
    setEnv: build.pod.setEnv,
    app: opts.environment,
  });
  if (environment.length > 0) app.environment = environment;
  const isolators = mergeIsolators(app.isolators, appIsolators(opts));
  if (isolators.length > 0) app.isolators = isolators;
  else delete app.isolators;
  return app;
}

function buildRuntimeApp(input: PodAppInput, name: AppName, build: BuildPodManifestInput): RuntimeApp {
  const im = input.imageManifest;
  const ra: RuntimeApp = {
    name,
    image: { name: im.name, id: input.imageId, ...(im.labels ? { labels: structuredClone(im.labels) } : {}) },
    app: buildApp(input, name, build),
  };
  if (input.opts.mounts.length > 0) ra.mounts = input.opts.mounts.map((m) => ({ volume: m.volume, path: m.target }));
  if (input.opts.readOnlyRootfs === true) ra.readOnlyRootFS = true;
  return ra;
}

/** Builds and checks the pod manifest for `prepare`/`run` without --pod-manifest. */
export function buildPodManifest(input: BuildPodManifestInput): BuiltPodManifest {
  if (input.apps.length === 0) throw invalid('a pod needs at least one app: name an image');
  if (input.pod.interactive && input.apps.length > 1) {
    throw new SkiffError('USAGE', '--interactive runs a single app: give one image');
  }
  const volumes: Volume[] = input.pod.volumes.map((v) => structuredClone(v));
  checkVolumes(volumes);

  const apps: RuntimeApp[] = [];
  for (const app of input.apps) {
    const name = app.opts.name ?? defaultAppName(app.imageManifest.name);
    if (apps.some((a) => a.name === name)) {
      throw invalid(`two apps are named ${name}: give one of them --name=OTHER after its image`);
    }
    apps.push(buildRuntimeApp(app, name, input));
  }
  checkMounts(apps, volumes);
  checkPortForwards(apps, input.pod.ports);

  const manifest: PodManifest = {
    acVersion: APPC_VERSION,
    acKind: 'PodManifest',
    apps,
    volumes,
    ports: input.pod.ports.map((p) => ({ name: p.name, hostPort: p.hostPort, ...(p.hostIP ? { hostIP: p.hostIP } : {}) })),
  };
  return { manifest, warnings: unsatisfiedMountPoints(apps, volumes) };
}
