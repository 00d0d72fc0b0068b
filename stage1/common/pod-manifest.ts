// Reading what stage0 left in the pod directory: the pod manifest, and an app's image
// manifest when the pod manifest has no app section for it (appc: the image's app applies).
import fs from 'node:fs';
import type { App, PodManifest, RuntimeApp } from '../../common/appc-types.ts';
import { DEFAULT_LIMITS } from '../../common/context.ts';
import { SkiffError, wrap } from '../../common/errors.ts';
import { parseAppName } from '../../common/ids.ts';
import type { AppName } from '../../common/ids.ts';
import { appImageManifestPath, podManifestPath } from '../../common/layout.ts';
import { parseJsonDocument, validateImageManifest, validatePodManifest } from '../../common/schemas/validate.ts';

function readJson(file: string, what: string): unknown {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    throw wrap(err, `reading the ${what}`);
  }
  return parseJsonDocument(bytes, `${what} ${file}`, DEFAULT_LIMITS.maxManifestBytes);
}

export function readPodManifest(podRoot: string): PodManifest {
  const file = podManifestPath(podRoot);
  return validatePodManifest(readJson(file, 'pod manifest'), file);
}

export interface PodApp {
  name: AppName;
  runtime: RuntimeApp;
  /** The app section that applies: the pod manifest's, else the image's. */
  app: App;
}

/** The app section of a runtime app: its own, else its image manifest's (read from appsinfo/). */
export function appSectionOf(podRoot: string, runtime: RuntimeApp): App {
  const name = parseAppName(runtime.name);
  if (runtime.app) return runtime.app;
  const file = appImageManifestPath(podRoot, name);
  const image = validateImageManifest(readJson(file, `image manifest of app ${name}`), file);
  if (!image.app) {
    throw new SkiffError('POD_MANIFEST_INVALID', `app ${name} has no app section in the pod manifest nor in its image ${image.name}`, {
      hint: 'give the app a command with --exec',
    });
  }
  return image.app;
}

/** The one app a single-app flavor runs; refuses pods with more or fewer. */
export function onlyApp(podRoot: string, pod: PodManifest, flavor: string): PodApp {
  if (pod.apps.length !== 1) {
    throw new SkiffError('POD_MANIFEST_INVALID', `the ${flavor} stage1 runs exactly one app, and this pod has ${pod.apps.length}`, {
      hint: 'run several apps with --stage1-name=default, or one pod per app',
    });
  }
  const runtime = pod.apps[0] as RuntimeApp;
  return { name: parseAppName(runtime.name), runtime, app: appSectionOf(podRoot, runtime) };
}

/** The app named `name`, or the only app when no name is given. */
export function findApp(podRoot: string, pod: PodManifest, appName: AppName | undefined): PodApp {
  let name = appName;
  const names = pod.apps.map((a) => a.name);
  if (name === undefined) {
    if (pod.apps.length !== 1) {
      throw new SkiffError('USAGE', `the pod has ${pod.apps.length} apps: name one with --app (${names.join(', ')})`);
    }
    name = parseAppName((pod.apps[0] as RuntimeApp).name);
  }
  const runtime = pod.apps.find((a) => a.name === name);
  if (!runtime) throw new SkiffError('USAGE', `the pod has no app ${JSON.stringify(name)} (it has ${names.join(', ')})`);
  return { name, runtime, app: appSectionOf(podRoot, runtime) };
}
