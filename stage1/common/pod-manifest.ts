// Reading what stage0 left in the pod directory: the pod manifest, and an app's image
// manifest when the pod manifest has no app section for it (appc: the image's app applies).
import fs from 'node:fs';
import { labelValue } from '../../common/appc-types.ts';
import type { App, ImageManifest, PodManifest, RuntimeApp } from '../../common/appc-types.ts';
import { DEFAULT_LIMITS } from '../../common/context.ts';
import { SkiffError, wrap } from '../../common/errors.ts';
import { parseAppName } from '../../common/ids.ts';
import type { AppName } from '../../common/ids.ts';
import { appImageManifestPath, podManifestPath } from '../../common/layout.ts';
import { OCI_USER_ANNOTATION } from '../../common/stage1-interface.ts';
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
  /** The app's image manifest from appsinfo/, when stage0 wrote one. */
  image: ImageManifest | undefined;
}

/**
 * The image annotation store/convert/oci-to-appc.ts writes when an OCI image's `User` names
 * no group (its OCI_ANNOTATIONS.user): the converter then repeats the user as the group, and
 * docker's rule (the user's primary group, from the image's /etc/passwd) is stage1's to apply.
 */
export { OCI_USER_ANNOTATION };

/** The app's image manifest (appsinfo/<app>/manifest), or undefined when there is none. */
export function readAppImageManifest(podRoot: string, name: AppName): ImageManifest | undefined {
  const file = appImageManifestPath(podRoot, name);
  if (!fs.existsSync(file)) return undefined;
  return validateImageManifest(readJson(file, `image manifest of app ${name}`), file);
}

/**
 * The group to resolve: `''` (the user's primary group, with its member-of groups) when the
 * group is the one the OCI converter implied, else the app's own.
 */
export function effectiveGroup(pod: PodApp): string {
  const ociUser = labelValue(pod.image?.annotations, OCI_USER_ANNOTATION);
  return ociUser !== undefined && ociUser === pod.app.user && pod.app.group === pod.app.user ? '' : pod.app.group;
}

function podApp(podRoot: string, runtime: RuntimeApp): PodApp {
  const name = parseAppName(runtime.name);
  const image = readAppImageManifest(podRoot, name);
  return { name, runtime, app: appSectionOf(name, runtime, image), image };
}

/** The app section of a runtime app: its own, else its image manifest's. */
function appSectionOf(name: AppName, runtime: RuntimeApp, image: ImageManifest | undefined): App {
  if (runtime.app) return runtime.app;
  if (!image?.app) {
    throw new SkiffError('POD_MANIFEST_INVALID', `app ${name} has no app section in the pod manifest nor in its image manifest`, {
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
  return podApp(podRoot, pod.apps[0] as RuntimeApp);
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
  return podApp(podRoot, runtime);
}

/** Every app of the pod, in the manifest's order (a multi-app flavor's view). */
export function podApps(podRoot: string, pod: PodManifest): PodApp[] {
  return pod.apps.map((runtime) => podApp(podRoot, runtime));
}
