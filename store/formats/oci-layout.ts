// Reading an OCI image layout (directory or archive): the oci-layout stamp, index.json, and
// choosing the one manifest the user meant (by tag, or the only one; across a manifest list,
// the linux/amd64 one). Pure: the caller reads the files and blobs.
import { SkiffError } from '../../common/errors.ts';
import { parseJsonDocument, validateOciIndex } from '../../common/schemas/validate.ts';
import { normalizeDockerReference } from './image-ref.ts';
import { ANNOTATION_CONTAINERD_IMAGE_NAME, ANNOTATION_REF_NAME, isIndexMediaType, isManifestMediaType } from './oci-types.ts';
import type { OciDescriptor, OciIndex, OciPlatform } from './oci-types.ts';

const MAX_LAYOUT_FILE_BYTES = 64 * 1024;

export interface PlatformWanted {
  os: string;
  architecture: string;
  variant?: string;
}

/** skiff's hosts: x86_64 Linux. */
export const HOST_PLATFORM: Readonly<PlatformWanted> = Object.freeze({ os: 'linux', architecture: 'amd64' });

/** Checks the `oci-layout` file; only version 1.x layouts are understood. */
export function parseOciLayoutFile(bytes: Uint8Array | string, source: string): { imageLayoutVersion: string } {
  const json = parseJsonDocument(bytes, `oci-layout in ${source}`, MAX_LAYOUT_FILE_BYTES);
  const version = (json as { imageLayoutVersion?: unknown } | null)?.imageLayoutVersion;
  if (typeof version !== 'string') {
    throw new SkiffError('IMAGE_FORMAT', `oci-layout in ${source} has no imageLayoutVersion, so it is not an OCI image layout`);
  }
  if (!/^1\.\d+\.\d+/.test(version)) {
    throw new SkiffError('IMAGE_FORMAT', `${source} is an OCI image layout version ${version}, and skiff reads version 1.x only`, {
      hint: 'convert it with a newer skopeo, or upgrade skiff',
    });
  }
  return { imageLayoutVersion: version };
}

export function parseOciIndex(bytes: Uint8Array | string, source: string, maxBytes: number): OciIndex {
  return validateOciIndex(parseJsonDocument(bytes, `index.json in ${source}`, maxBytes), source);
}

/** The names an index entry answers to: its ref.name tag and the full name containerd records. */
export function refNamesOf(desc: OciDescriptor): string[] {
  const a = desc.annotations ?? {};
  return [a[ANNOTATION_REF_NAME], a[ANNOTATION_CONTAINERD_IMAGE_NAME]].filter((n): n is string => Boolean(n));
}

/**
 * The entry of a layout's index.json the user meant: the one tagged `tag`, or with no tag the
 * only image. The result may itself be an index (a multi-platform image): read that blob and
 * call selectPlatform on it.
 */
export function selectFromLayoutIndex(index: OciIndex, tag: string | undefined, source: string): OciDescriptor {
  const images = index.manifests.filter((d) => isIndexMediaType(d.mediaType) || isManifestMediaType(d.mediaType));
  if (images.length === 0) throw new SkiffError('IMAGE_NOT_FOUND', `OCI layout ${source} holds no images`);
  if (tag !== undefined) {
    // An exact ref.name wins; only then is the tag read as an image name (`busybox` finds
    // docker.io/library/busybox:latest), so a tag like `latest` never means an image called latest.
    const exact = images.filter((d) => refNamesOf(d).includes(tag));
    const matches = exact.length > 0 ? exact : images.filter((d) => refNamesOf(d).some((n) => sameReference(n, tag)));
    if (matches.length === 0) {
      throw new SkiffError('IMAGE_NOT_FOUND', `OCI layout ${source} has no image tagged "${tag}": ${describeTags(images)}`);
    }
    return pickOne(matches, source, `tagged "${tag}"`);
  }
  return pickOne(images, source, '');
}

function pickOne(entries: readonly OciDescriptor[], source: string, qualifier: string): OciDescriptor {
  if (new Set(entries.map((d) => d.digest)).size === 1) return entries[0]!;
  // An index that lists one manifest per platform directly (no nested index) is one image.
  if (entries.every((d) => d.platform !== undefined)) return selectPlatform(entries, HOST_PLATFORM, `OCI layout ${source}`);
  throw new SkiffError('IMAGE_AMBIGUOUS', `OCI layout ${source} holds ${entries.length} images${qualifier ? ` ${qualifier}` : ''}: ${describeTags(entries)}`, {
    hint: `name one as oci:${source}:TAG`,
  });
}

/** Whether a recorded full name (`docker.io/library/busybox:latest`) is the image `wanted` names. */
function sameReference(recorded: string, wanted: string): boolean {
  // A bare ref.name like `1.0` is a tag, not a reference: comparing it as one would make
  // `1.0` mean docker.io/library/1.0:latest.
  if (!recorded.includes(':') && !recorded.includes('/')) return false;
  return normalizeDockerReference(recorded) === normalizeDockerReference(wanted);
}

function describeTags(entries: readonly OciDescriptor[]): string {
  const tags = [...new Set(entries.flatMap((d) => refNamesOf(d).slice(0, 1)))];
  if (tags.length === 0) return 'its images carry no tags (org.opencontainers.image.ref.name)';
  return `it has ${tags.map((t) => `"${t}"`).join(', ')}`;
}

/** x86_64 and aarch64 are uname's names; images say amd64 and arm64. */
const ARCH_ALIASES: Readonly<Record<string, string>> = { x86_64: 'amd64', aarch64: 'arm64' };
const normalArch = (arch: string) => ARCH_ALIASES[arch] ?? arch;

function isAttestation(d: OciDescriptor): boolean {
  // BuildKit stores provenance/SBOM manifests in the list under platform unknown/unknown.
  return d.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest' || d.platform?.os === 'unknown';
}

/**
 * The entry of a manifest list / image index for a platform (linux/amd64 for skiff). With no
 * variant wanted, a plain entry wins over variant ones (amd64 v2/v3 need newer CPUs), then the
 * lowest variant; an entry with no platform at all is taken only when it is the sole entry.
 */
export function selectPlatform(
  index: OciIndex | readonly OciDescriptor[],
  want: PlatformWanted,
  source = 'the image index',
): OciDescriptor {
  const entries = 'manifests' in index ? index.manifests : index;
  const usable = entries.filter((d) => !isAttestation(d));
  if (usable.length === 1 && usable[0]!.platform === undefined) return usable[0]!;
  const arch = normalArch(want.architecture);
  const candidates = usable.filter((d) => d.platform?.os === want.os && normalArch(d.platform.architecture) === arch);
  const byVariant = (v: string | undefined) => candidates.find((d) => d.platform?.variant === v);
  let chosen: OciDescriptor | undefined;
  if (want.variant !== undefined) {
    // arm64 images often leave out their (only) variant, v8.
    chosen = byVariant(want.variant) ?? (arch === 'arm64' && want.variant === 'v8' ? byVariant(undefined) : undefined);
  } else {
    chosen = byVariant(undefined) ?? [...candidates].sort((a, b) => (a.platform?.variant ?? '').localeCompare(b.platform?.variant ?? ''))[0];
  }
  if (chosen !== undefined) return chosen;
  const offered = [...new Set(usable.filter((d) => d.platform).map((d) => describePlatform(d.platform!)))];
  throw new SkiffError(
    'IMAGE_NOT_FOUND',
    `${source} has no ${describePlatform(want)} image: it offers ${offered.length > 0 ? offered.join(', ') : 'no platforms'}`,
    { hint: `use an image built for ${describePlatform(want)}` },
  );
}

export function describePlatform(p: Pick<OciPlatform, 'os' | 'architecture' | 'variant'>): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
}
