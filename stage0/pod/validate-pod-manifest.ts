// Semantic checks for a pod manifest given with `--pod-manifest=FILE` (rkt stage0
// validatePodManifest, made stricter). The JSON schema checks the shape first; this checks
// what a schema cannot: references between apps, images, volumes and ports.
import type { ImageManifest, PodManifest } from '../../common/appc-types.ts';
import { SkiffError } from '../../common/errors.ts';
import { isAcName } from './ac-name.ts';
import { checkMounts, checkPortForwards, checkVolumes, unsatisfiedMountPoints } from './manifest-checks.ts';

function invalid(message: string): SkiffError {
  return new SkiffError('POD_MANIFEST_INVALID', `pod manifest: ${message}`);
}

/**
 * Throws POD_MANIFEST_INVALID for the first problem found; returns warnings (mount points
 * no volume satisfies). `imageManifests` supplies the image's app section for apps that
 * leave theirs out, as appc allows; without it such apps count as having no exec.
 */
export function validatePodManifestSemantics(
  manifest: PodManifest,
  knownImageIds: ReadonlySet<string>,
  imageManifests?: ReadonlyMap<string, ImageManifest>,
): string[] {
  if (manifest.apps.length === 0) throw invalid('it lists no apps: add at least one');
  const names = new Set<string>();
  for (const ra of manifest.apps) {
    if (!isAcName(ra.name)) throw invalid(`app name ${JSON.stringify(ra.name)} is invalid: use lowercase letters, digits and dashes`);
    if (names.has(ra.name)) throw invalid(`two apps are named ${ra.name}: give each app a different name`);
    names.add(ra.name);
    const id = ra.image?.id;
    if (!id) throw invalid(`app ${ra.name} has no image id: set image.id to a fetched image's id`);
    if (!knownImageIds.has(id)) throw invalid(`app ${ra.name} uses image ${id}, which is not in the store: skiff fetch it first`);
    const exec = ra.app?.exec ?? imageManifests?.get(id)?.app?.exec;
    if (!exec || exec.length === 0 || !exec[0]) throw invalid(`app ${ra.name} has no exec: set app.exec`);
  }
  const volumes = manifest.volumes ?? [];
  // Apps without their own app section take the image's, mount points and ports included.
  const apps = manifest.apps.map((ra) => {
    const app = ra.app ?? imageManifests?.get(ra.image.id)?.app;
    return app ? { ...ra, app } : ra;
  });
  try {
    checkVolumes(volumes);
    checkMounts(apps, volumes);
    checkPortForwards(apps, manifest.ports ?? []);
  } catch (err) {
    throw err instanceof SkiffError ? invalid(err.message) : err;
  }
  return unsatisfiedMountPoints(apps, volumes);
}
