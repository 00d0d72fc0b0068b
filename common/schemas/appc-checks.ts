// The rules for appc manifests that JSON Schema cannot state: unique names, labels that must be
// present, and references between parts of a pod manifest. They mirror the checks appc's Go
// types run when decoding (labels.go, app.go), plus skiff's own: every image must say which
// os and arch it is for, so a wrong-arch image fails at fetch instead of with ENOEXEC at run.
import { SkiffError } from '../errors.ts';
import type { ImageManifest, PodManifest } from '../appc-types.ts';

/** skiff runs on x86_64 Linux hosts, which appc calls amd64. */
export const HOST_APPC_ARCH = 'amd64';

/** appc's arch names for linux (schema/types/labels.go ValidOSArch, plus the later additions). */
export const APPC_LINUX_ARCHES: readonly string[] = Object.freeze([
  'amd64',
  'i386',
  'aarch64',
  'aarch64_be',
  'armv6l',
  'armv7l',
  'armv7b',
  'ppc64',
  'ppc64le',
  's390x',
]);

/** Names people (and Go, and uname) use for arches appc spells differently. */
const ARCH_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  x86_64: 'amd64',
  arm64: 'aarch64',
  '386': 'i386',
  i686: 'i386',
  arm: 'armv7l',
});

export function checkImageManifest(m: ImageManifest, hostArch: string): void {
  const name = m.name;
  const labels = m.labels ?? [];
  const unique = (items: readonly { name: string }[], message: (n: string) => string) =>
    checkUnique(items, (n) => invalid(message(n)));
  unique(labels, (n) => `image manifest of ${name} has two labels named "${n}": keep one and rebuild the image`);
  if (labels.some((l) => l.name === 'name')) {
    throw invalid(`image manifest of ${name} has a label called "name", which appc reserves: put the name in the name field`);
  }
  unique(m.annotations ?? [], (n) => `image manifest of ${name} has two annotations named "${n}": keep one and rebuild the image`);
  unique(m.app?.mountPoints ?? [], (n) => `image manifest of ${name} has two mount points named "${n}": rename one`);
  unique(m.app?.ports ?? [], (n) => `image manifest of ${name} has two ports named "${n}": rename one`);

  const os = labels.find((l) => l.name === 'os')?.value;
  const arch = labels.find((l) => l.name === 'arch')?.value;
  const rebuild = `rebuild the image with the labels os=linux and arch=${hostArch}`;
  if (os === undefined) throw invalid(`image manifest of ${name} has no os label: ${rebuild}`);
  if (arch === undefined) throw invalid(`image manifest of ${name} has no arch label: ${rebuild}`);
  if (os !== 'linux') {
    throw invalid(`image ${name} is built for os "${os}", but skiff runs linux images only: use the image's linux variant`);
  }
  if (!APPC_LINUX_ARCHES.includes(arch)) {
    const alias = ARCH_ALIASES[arch];
    throw invalid(
      `image manifest of ${name} has arch label "${arch}", which is not an appc arch name: ` +
        (alias ? `appc calls it ${alias}; fix the label and rebuild the image` : `use one of ${APPC_LINUX_ARCHES.join(', ')}`),
    );
  }
  if (arch !== hostArch) {
    throw invalid(
      `image ${name} is built for linux/${arch}, but this host runs linux/${hostArch}: fetch the linux/${hostArch} variant of the image`,
    );
  }
}

/** `what` is "pod manifest in SOURCE". */
export function checkPodManifest(m: PodManifest, what: string): void {
  const bad = (detail: string) => new SkiffError('POD_MANIFEST_INVALID', `${what} is invalid: ${detail}`);
  const unique = (items: readonly { name: string }[], message: (name: string) => string) =>
    checkUnique(items, (n) => bad(message(n)));
  unique(m.apps, (n) => `two apps are named "${n}": give each app its own --name`);
  const volumes = m.volumes ?? [];
  unique(volumes, (n) => `two volumes are named "${n}": give each volume its own name`);
  unique(m.ports ?? [], (n) => `port "${n}" is forwarded twice: keep one --port=${n}:…`);
  const volumeNames = new Set(volumes.map((v) => v.name));
  for (const app of m.apps) {
    const mounts = app.mounts ?? [];
    unique(mounts.map((mt) => ({ name: mt.path })), (p) => `app ${app.name} mounts two volumes at ${p}: keep one --mount for it`);
    for (const mount of mounts) {
      if (mount.appVolume === undefined && !volumeNames.has(mount.volume)) {
        throw bad(`app ${app.name} mounts volume "${mount.volume}", which the pod does not define: add --volume=${mount.volume},kind=…`);
      }
    }
  }
}

function checkUnique(items: readonly { name: string }[], error: (name: string) => SkiffError): void {
  const seen = new Set<string>();
  for (const item of items) {
    if (seen.has(item.name)) throw error(item.name);
    seen.add(item.name);
  }
}

function invalid(message: string): SkiffError {
  return new SkiffError('MANIFEST_INVALID', message);
}
