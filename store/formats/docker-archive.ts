// Reading a docker-archive (`docker save` output): its manifest.json, and choosing the image the
// user named. Names compare in docker's full form, so `busybox` finds
// docker.io/library/busybox:latest and the other way round. Pure: the caller reads the tar.
import { SkiffError } from '../../common/errors.ts';
import { parseJsonDocument, validateDockerArchiveManifest } from '../../common/schemas/validate.ts';
import { normalizeDockerReference } from './image-ref.ts';
import type { DockerArchiveEntry, DockerArchiveManifest } from './oci-types.ts';

/**
 * Parses manifest.json and refuses member paths that could reach outside the archive: the
 * caller opens exactly these names, and a hostile archive must not steer it anywhere else.
 */
export function parseDockerArchiveManifest(bytes: Uint8Array | string, source: string, maxBytes: number): DockerArchiveManifest {
  const manifest = validateDockerArchiveManifest(parseJsonDocument(bytes, `manifest.json in ${source}`, maxBytes), source);
  if (manifest.length === 0) {
    throw new SkiffError('IMAGE_NOT_FOUND', `docker archive ${source} holds no images: its manifest.json is an empty list`);
  }
  for (const entry of manifest) {
    for (const member of [entry.Config, ...entry.Layers]) {
      if (!isSafeMemberPath(member)) {
        throw new SkiffError('ARCHIVE_UNSAFE', `manifest.json in ${source} names ${JSON.stringify(member)}, which is not a path inside the archive`, {
          hint: 'the archive is damaged or hostile: do not use it',
        });
      }
    }
  }
  return manifest;
}

/** A relative path with no `..` segment, no NUL and no backslash (Windows separators). */
export function isSafeMemberPath(member: string): boolean {
  if (member === '' || member.startsWith('/') || /[\0\\]/.test(member)) return false;
  return member.split('/').every((segment) => segment !== '..');
}

/**
 * The image `reference` names (`NAME[:TAG]`, or `@N` for the N-th entry), or the only image.
 * Returns the entry with its position in manifest.json.
 */
export function selectDockerArchiveImage(
  manifest: DockerArchiveManifest,
  reference: string | undefined,
  source: string,
): { entry: DockerArchiveEntry; index: number } {
  if (reference?.startsWith('@')) {
    const index = Number(reference.slice(1));
    const entry = manifest[index];
    if (!Number.isInteger(index) || entry === undefined) {
      throw new SkiffError('IMAGE_NOT_FOUND', `docker archive ${source} has no image ${reference}: it holds ${describeImages(manifest)}`);
    }
    return { entry, index };
  }
  if (reference === undefined) {
    if (manifest.length === 1) return { entry: manifest[0]!, index: 0 };
    throw new SkiffError('IMAGE_AMBIGUOUS', `docker archive ${source} holds ${manifest.length} images: ${describeImages(manifest)}`, {
      hint: `name one as docker-archive:${source}:NAME:TAG`,
    });
  }
  const wanted = normalizeDockerReference(reference);
  const matches = manifest
    .map((entry, index) => ({ entry, index }))
    .filter(({ entry }) => (entry.RepoTags ?? []).some((t) => normalizeDockerReference(t) === wanted));
  if (matches.length === 0) {
    throw new SkiffError('IMAGE_NOT_FOUND', `docker archive ${source} has no image ${reference}: it holds ${describeImages(manifest)}`, {
      hint: `name one as docker-archive:${source}:NAME:TAG`,
    });
  }
  // `docker save` lists each tag once; a hand-made manifest.json might not.
  if (new Set(matches.map((m) => m.entry.Config)).size > 1) {
    throw new SkiffError('IMAGE_AMBIGUOUS', `docker archive ${source} has ${matches.length} different images tagged ${reference}`, {
      hint: `name one by position as docker-archive:${source}:@N (${matches.map((m) => `@${m.index}`).join(', ')})`,
    });
  }
  return matches[0]!;
}

function describeImages(manifest: DockerArchiveManifest): string {
  return manifest
    .map((entry, i) => (entry.RepoTags && entry.RepoTags.length > 0 ? entry.RepoTags.join(' ') : `@${i} (untagged)`))
    .join(', ');
}
