// The image index: one small JSON record per image, written atomically. Two fetches never
// rewrite a shared file, so concurrent imports cannot lose each other's entries.
import fs from 'node:fs';
import path from 'node:path';
import type { ImageManifest, NameValue } from '../common/appc-types.ts';
import { labelValue } from '../common/appc-types.ts';
import { SkiffError } from '../common/errors.ts';
import type { Digest, ImageId, TreeId } from '../common/ids.ts';
import * as layout from '../common/layout.ts';
import { writeJsonAtomic } from '../common/write-atomic.ts';

export type ImageFormat = 'aci' | 'oci';

export interface LayerRecord {
  digest: Digest;
  diffId: Digest;
  mediaType: string;
  size: number;
}

export interface ImageRecord {
  id: ImageId;
  format: ImageFormat;
  name: string;
  version: string | undefined;
  labels: NameValue[];
  manifest: ImageManifest;
  /** Where it was imported from, as the user named it. */
  source: string;
  /** Bytes of all blobs the image holds in the CAS. */
  size: number;
  importedAt: string;
  /** Every blob the image needs; `image gc` keeps exactly these. */
  blobs: Digest[];
  /** The rendered trees, bottom to top: one for an ACI, one per layer for OCI. */
  trees: TreeId[];
  layers?: LayerRecord[];
}

export function writeImageRecord(dataDir: string, rec: ImageRecord): void {
  writeJsonAtomic(layout.imageRecordPath(dataDir, rec.id), rec);
}

export function readImageRecords(dataDir: string): ImageRecord[] {
  let names: string[];
  try {
    names = fs.readdirSync(layout.imageIndexDir(dataDir));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: ImageRecord[] = [];
  for (const n of names) {
    if (!n.endsWith('.json') || n.startsWith('.')) continue;
    try {
      out.push(JSON.parse(fs.readFileSync(path.join(layout.imageIndexDir(dataDir), n), 'utf8')) as ImageRecord);
    } catch (err) {
      // A record vanishing between readdir and read is a concurrent `image rm`, not an error.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  // ISO timestamps sort as plain strings; localeCompare would build an ICU collator (~9 ms).
  return out.sort((a, b) => (a.importedAt < b.importedAt ? -1 : a.importedAt > b.importedAt ? 1 : 0));
}

export function removeImageRecord(dataDir: string, id: ImageId): void {
  fs.rmSync(layout.imageRecordPath(dataDir, id), { force: true });
}

export function versionOf(manifest: ImageManifest): string | undefined {
  return labelValue(manifest.labels, 'version');
}

/** Docker-style names are also found without their default registry prefix. */
function nameMatches(recordName: string, wanted: string): boolean {
  if (recordName === wanted) return true;
  const strip = (n: string): string => n.replace(/^(docker\.io|index\.docker\.io|registry-1\.docker\.io)\/(library\/)?/, '');
  return strip(recordName) === strip(wanted);
}

/** Splits `NAME[:VERSION]`, leaving a registry port (`host:5000/app`) in the name. */
export function splitNameVersion(ref: string): { name: string; version: string | undefined } {
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) return { name: ref.slice(0, colon), version: ref.slice(colon + 1) };
  return { name: ref, version: undefined };
}

/**
 * Finds one image by full ID, unique ID prefix (`sha512-1a2b…`, `sha256:…`, or bare hex of at
 * least 6 digits), or `NAME[:VERSION]` (the newest import wins when only a name is given, as rkt).
 */
export function resolveImage(records: readonly ImageRecord[], ref: string): ImageRecord {
  const byId = matchIdPrefix(records, ref);
  if (byId.length === 1) return byId[0]!;
  if (byId.length > 1) {
    throw new SkiffError('IMAGE_AMBIGUOUS', `image ID prefix ${ref} matches ${byId.length} images`, {
      hint: `give more digits: ${byId.map((r) => r.id.slice(0, 19)).join(', ')}`,
    });
  }
  const { name, version } = splitNameVersion(ref);
  const byName = records.filter((r) => nameMatches(r.name, name) && (version === undefined || r.version === version));
  const newest = byName.at(-1);
  if (newest) return newest;
  throw new SkiffError('IMAGE_NOT_FOUND', `no image ${ref} in the store`, { hint: 'see `skiff image list`, or fetch it first' });
}

function matchIdPrefix(records: readonly ImageRecord[], ref: string): ImageRecord[] {
  const normalized = ref.toLowerCase();
  if (/^(sha512-|sha256:|sha256-)[0-9a-f]*$/.test(normalized)) {
    const want = normalized.replace(/^sha256-/, 'sha256:');
    return records.filter((r) => r.id.startsWith(want));
  }
  if (/^[0-9a-f]{6,}$/.test(normalized)) {
    return records.filter((r) => r.id.replace(/^sha512-|^sha256:/, '').startsWith(normalized));
  }
  return [];
}
