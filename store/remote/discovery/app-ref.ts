// What a bare image name asks discovery for: `example.com/app[:VERSION][,LABEL=VALUE…]` (rkt's
// app string) plus the os and arch defaults of the host. Pure.
import { SkiffError } from '../../../common/errors.ts';

/** appc's ACIdentifier: image names and label keys. No `:`, so no `host:port`. */
const AC_IDENTIFIER = /^[a-z0-9]+([-._~/][a-z0-9]+)*$/;
export const AC_IDENTIFIER_MAX = 512;

export function isAcIdentifier(value: string): boolean {
  return value.length <= AC_IDENTIFIER_MAX && AC_IDENTIFIER.test(value);
}

export interface DiscoveryApp {
  name: string;
  /** version (if given), os, arch and any other labels, as discovery substitutes them. */
  labels: ReadonlyMap<string, string>;
  /**
   * Labels the user wrote. The image must carry each with the same value; the os and arch
   * defaults only must not contradict it (an image without them is platform-agnostic).
   */
  given: ReadonlySet<string>;
}

/** The version templates use when the user named none (appc's default). */
export const DEFAULT_VERSION = 'latest';

/**
 * Parses an app string: `NAME[:VERSION][,LABEL=VALUE…]`. `defaults` fills os and arch where
 * the user gave none.
 */
export function parseDiscoveryApp(ref: string, defaults: { os: string; arch: string }): DiscoveryApp {
  const [head = '', ...rest] = ref.split(',');
  const colon = head.indexOf(':');
  const name = colon === -1 ? head : head.slice(0, colon);
  const labels = new Map<string, string>();
  if (colon !== -1) {
    const version = head.slice(colon + 1);
    // A `/` after the colon means the colon was a port: `localhost:8443/app`.
    if (version === '' || version.includes(':') || version.includes('/')) {
      throw new SkiffError('USAGE', `${JSON.stringify(ref)} is not NAME[:VERSION]: ${nameRules(head)}`);
    }
    labels.set('version', version);
  }
  if (!isAcIdentifier(name)) throw new SkiffError('USAGE', `${JSON.stringify(ref)} is not an image name: ${nameRules(name)}`);
  for (const item of rest) {
    const eq = item.indexOf('=');
    const key = item.slice(0, eq);
    const value = item.slice(eq + 1);
    if (eq <= 0 || value === '' || !isAcIdentifier(key) || key === 'name') {
      throw new SkiffError('USAGE', `${JSON.stringify(ref)}: ${JSON.stringify(item)} is not a LABEL=VALUE pair`, {
        hint: 'write NAME[:VERSION][,LABEL=VALUE…], e.g. example.com/app:1.0,channel=beta',
      });
    }
    if (labels.has(key)) throw new SkiffError('USAGE', `${JSON.stringify(ref)} gives the label ${key} twice`);
    labels.set(key, value);
  }
  const given = new Set(labels.keys());
  if (!labels.has('os')) labels.set('os', defaults.os);
  if (!labels.has('arch')) labels.set('arch', defaults.arch);
  return { name, labels, given };
}

function nameRules(name: string): string {
  const port = /^[^/]*:\d+(\/|$)/.test(name) ? ' (a host:port is not part of an appc name: fetch an https://HOST:PORT/… URL instead)' : '';
  return `appc names are lowercase letters, digits and -._~/${port}`;
}

/** `name[:version]` for messages. */
export function describeApp(app: DiscoveryApp): string {
  const version = app.labels.get('version');
  return version === undefined ? app.name : `${app.name}:${version}`;
}

/**
 * Whether an image's manifest is what discovery asked for (appc: "the initial name and labels
 * used for discovery match the name and labels in the image manifest"). Returns why not, or
 * undefined when it matches.
 */
export function mismatchWithManifest(app: DiscoveryApp, manifest: { name: string; labels?: readonly { name: string; value: string }[] }): string | undefined {
  if (manifest.name !== app.name) return `the image is named ${manifest.name}, not ${app.name}`;
  for (const [key, wanted] of app.labels) {
    const found = manifest.labels?.find((l) => l.name === key)?.value;
    if (found === undefined) {
      if (app.given.has(key)) return `the image has no ${key} label (${key}=${wanted} was asked for)`;
    } else if (found !== wanted) {
      return `the image has ${key}=${found}, not ${wanted}`;
    }
  }
  return undefined;
}
