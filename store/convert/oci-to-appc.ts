// OCI (or Docker) image config → appc image manifest, as docker2aci did for rkt: the result is
// what `prepare` and stage1 read, so an OCI image runs like an ACI. Pure: no fs, no clock.
import path from 'node:path/posix';
import { SkiffError } from '../../common/errors.ts';
import { APPC_VERSION } from '../../common/appc-types.ts';
import { OCI_USER_ANNOTATION } from '../../common/stage1-interface.ts';
import type { App, ImageManifest, MountPoint, NameValue, Port } from '../../common/appc-types.ts';
import type { OciContainerConfig, OciImageConfig } from '../formats/oci-types.ts';
import { appcArchOf, sanitizeAcIdentifier, sanitizeAcName, splitReference } from './appc-names.ts';

export interface OciToAppcInput {
  config: OciImageConfig;
  /** The image reference, e.g. `docker.io/library/busybox` (a `:TAG` or `@DIGEST` on it is split off). */
  name: string;
  /** Wins over a tag in `name`; default `latest`. */
  tag?: string;
  /** `sha256:…` of the manifest: recorded, as it is the image ID users see. */
  manifestDigest: string;
  manifestAnnotations?: Record<string, string>;
}

/** Annotation keys this converter writes (besides the image's own labels and annotations). */
export const OCI_ANNOTATIONS = {
  manifestDigest: 'skiff.dev/oci-manifest-digest',
  /**
   * The config's `User` when it names no group. Docker would use the user's primary group from
   * the image's /etc/passwd, which a converter cannot read; `group` then repeats the user as
   * docker2aci did, and this lets stage1 apply docker's rule instead.
   */
  user: OCI_USER_ANNOTATION,
  /** JSON arrays, under docker2aci's keys, so `-- ARGS` can replace Cmd and keep Entrypoint. */
  entrypoint: 'appc.io/docker/entrypoint',
  cmd: 'appc.io/docker/cmd',
  created: 'created',
  author: 'author',
} as const;

export function ociConfigToImageManifest(input: OciToAppcInput): ImageManifest {
  const ref = splitReference(input.name);
  const name = sanitizeAcIdentifier(ref.repository);
  if (name === undefined) {
    throw new SkiffError('IMAGE_FORMAT', `cannot make an appc image name from ${JSON.stringify(input.name)}: name the image with letters or digits`);
  }
  const cfg: OciContainerConfig = input.config.config ?? {};
  const { app, userAnnotation } = convertApp(cfg, name);

  const labels: NameValue[] = [
    { name: 'os', value: input.config.os },
    { name: 'arch', value: appcArchOf(input.config.architecture, input.config.variant) },
    { name: 'version', value: input.tag ?? ref.tag ?? 'latest' },
  ];

  // Later sources win: the image's config labels, then the manifest's annotations, then
  // what skiff records itself. Keys skiff derives meaning from are cleared when the image
  // lacks them, so a label cannot pose as the manifest digest or the entrypoint.
  const annotations = new Map<string, string>();
  for (const source of [cfg.Labels ?? {}, input.manifestAnnotations ?? {}]) {
    for (const key of Object.keys(source).sort()) {
      const name = sanitizeAcIdentifier(key);
      if (name !== undefined) annotations.set(name, source[key]!);
    }
  }
  const own: [string, string | undefined, 'clear' | 'keep'][] = [
    [OCI_ANNOTATIONS.created, input.config.created, 'keep'],
    [OCI_ANNOTATIONS.author, input.config.author, 'keep'],
    [OCI_ANNOTATIONS.manifestDigest, input.manifestDigest, 'clear'],
    [OCI_ANNOTATIONS.user, userAnnotation, 'clear'],
    [OCI_ANNOTATIONS.entrypoint, cfg.Entrypoint?.length ? JSON.stringify(cfg.Entrypoint) : undefined, 'clear'],
    [OCI_ANNOTATIONS.cmd, cfg.Cmd?.length ? JSON.stringify(cfg.Cmd) : undefined, 'clear'],
  ];
  for (const [key, value, whenAbsent] of own) {
    if (value) annotations.set(key, value);
    else if (whenAbsent === 'clear') annotations.delete(key);
  }

  const manifest: ImageManifest = { acKind: 'ImageManifest', acVersion: APPC_VERSION, name, labels, app };
  if (annotations.size > 0) {
    manifest.annotations = [...annotations.keys()].sort().map((k) => ({ name: k, value: annotations.get(k)! }));
  }
  return manifest;
}

function convertApp(cfg: OciContainerConfig, imageName: string): { app: App; userAnnotation?: string } {
  const { user, group, groupImplied } = parseOciUser(cfg.User ?? '');
  const exec = [...(cfg.Entrypoint ?? []), ...(cfg.Cmd ?? [])];
  // Without Entrypoint or Cmd there is no exec: the app stays, so `--exec` can supply one.
  // exec[0] may be relative (`nginx`): it is kept, and the OCI runtime looks it up on the
  // image's PATH at run time, as docker does. appc wants it absolute, which only the image's
  // files could settle.
  const app: App = exec.length > 0 ? { exec, user, group } : { user, group };
  app.workingDirectory = cfg.WorkingDir ? path.resolve('/', cfg.WorkingDir) : '/';
  const environment = convertEnv(cfg.Env ?? []);
  if (environment.length > 0) app.environment = environment;
  const mountPoints = convertVolumes(Object.keys(cfg.Volumes ?? {}));
  if (mountPoints.length > 0) app.mountPoints = mountPoints;
  const ports = Object.keys(cfg.ExposedPorts ?? {}).map((key) => parseExposedPort(key, imageName));
  if (ports.length > 0) app.ports = ports.sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol));
  return groupImplied && cfg.User ? { app, userAnnotation: cfg.User } : { app };
}

/** Docker's `User`: `uid`, `uid:gid`, `name` or `name:group`; empty means root. */
export function parseOciUser(value: string): { user: string; group: string; groupImplied: boolean } {
  const colon = value.indexOf(':');
  const user = (colon === -1 ? value : value.slice(0, colon)) || '0';
  const group = colon === -1 ? '' : value.slice(colon + 1);
  if (group !== '') return { user, group, groupImplied: false };
  // Root's primary group is 0 everywhere, so that case is no guess.
  return { user, group: user === '0' || user === 'root' ? '0' : user, groupImplied: user !== '0' && user !== 'root' };
}

/** `KEY=VALUE` entries, split at the first `=`; a later duplicate wins, as in docker. */
function convertEnv(env: readonly string[]): NameValue[] {
  const vars = new Map<string, string>();
  for (const entry of env) {
    const eq = entry.indexOf('=');
    // An entry without `=` (or with an empty name) has no value to give the app.
    if (eq <= 0) continue;
    vars.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  return [...vars].map(([name, value]) => ({ name, value }));
}

/** Each volume becomes a mount point named `volume-<path with / as ->`, as docker2aci did. */
function convertVolumes(paths: readonly string[]): MountPoint[] {
  const used = new Map<string, number>();
  const out: MountPoint[] = [];
  const targets = new Set<string>();
  for (const p of [...paths].sort()) {
    const target = path.resolve('/', p);
    // `/data` and `/data/` are one volume.
    if (targets.has(target)) continue;
    targets.add(target);
    const base = sanitizeAcName(`volume-${target}`) ?? 'volume';
    const seen = used.get(base) ?? 0;
    used.set(base, seen + 1);
    // `/Data` and `/data` give the same name; number the later ones, as docker2aci did.
    out.push({ name: seen === 0 ? base : `${base}-${seen}`, path: target });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** `80/tcp`, `53/udp`, `8080` (tcp), or a range `8000-8010/tcp` (one appc port with a count). */
export function parseExposedPort(key: string, imageName: string): Port {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?(?:\/([A-Za-z]+))?$/.exec(key);
  const start = Number(m?.[1]);
  const end = m?.[2] === undefined ? start : Number(m[2]);
  if (!m || start < 1 || end > 65535 || end < start) {
    throw new SkiffError('IMAGE_FORMAT', `image ${imageName} exposes port ${JSON.stringify(key)}, which is not PORT[-END][/PROTOCOL]`, {
      hint: "fix the image's EXPOSE instruction and rebuild it",
    });
  }
  const protocol = (m[3] ?? 'tcp').toLowerCase();
  const port: Port = { name: end === start ? `${start}-${protocol}` : `${start}-${end}-${protocol}`, protocol, port: start };
  if (end !== start) port.count = end - start + 1;
  return port;
}
