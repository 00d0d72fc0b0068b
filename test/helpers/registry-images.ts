// Images for the registry tests that umoci cannot make: OCI layouts written by hand with zstd,
// uncompressed or gzip layers (GNU tar, then the `zstd`/`gzip` CLIs), any os/architecture in
// the config, and OCI indexes over several images of a layout, so `skopeo copy --all` pushes a
// multi-platform image. Nothing here uses skiff's code.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runPipeline, runTool } from '../fixtures/images/run-tool.ts';

export type LayerCompression = 'gzip' | 'zstd' | 'none';

export interface HandLayer {
  /** Image path → content (parents are created 0755). */
  files: Record<string, string>;
  compression: LayerCompression;
}

export interface HandImageOptions {
  architecture?: string;
  os?: string;
  variant?: string;
  cmd?: string[];
}

export interface Platform { os: string; architecture: string; variant?: string }

const MEDIA = {
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  index: 'application/vnd.oci.image.index.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: { gzip: 'application/vnd.oci.image.layer.v1.tar+gzip', zstd: 'application/vnd.oci.image.layer.v1.tar+zstd', none: 'application/vnd.oci.image.layer.v1.tar' },
} as const;

interface Descriptor { mediaType: string; digest: string; size: number; annotations?: Record<string, string>; platform?: Platform }

const sha256Hex = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

function writeBlob(dir: string, body: Buffer, mediaType: string): Descriptor {
  const hex = sha256Hex(body);
  const file = path.join(dir, 'blobs', 'sha256', hex);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, body);
  return { mediaType, digest: `sha256:${hex}`, size: body.length };
}

function readIndex(dir: string): { schemaVersion: number; manifests: Descriptor[] } {
  const file = path.join(dir, 'index.json');
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) as { schemaVersion: number; manifests: Descriptor[] } : { schemaVersion: 2, manifests: [] };
}

/** Points `tag` in the layout's index.json at `desc` (replacing an older entry of that tag). */
function tagInIndex(dir: string, tag: string, desc: Descriptor): void {
  const index = readIndex(dir);
  index.manifests = index.manifests.filter((m) => m.annotations?.['org.opencontainers.image.ref.name'] !== tag);
  index.manifests.push({ ...desc, annotations: { 'org.opencontainers.image.ref.name': tag } });
  fs.writeFileSync(path.join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  fs.writeFileSync(path.join(dir, 'index.json'), JSON.stringify(index));
}

/** A layer tar (GNU tar, owners 0:0, mtime 2000-01-01) and its compressed blob. */
async function makeLayer(work: string, i: number, layer: HandLayer): Promise<{ blob: Buffer; diffId: string }> {
  const stage = path.join(work, `layer-${i}`);
  for (const [p, content] of Object.entries(layer.files)) {
    const file = path.join(stage, p);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content, { mode: 0o644 });
  }
  const tarFile = path.join(work, `layer-${i}.tar`);
  await runTool('tar', [
    '--numeric-owner', '--owner=0', '--group=0', '--sort=name', '--mtime=2000-01-01 00:00:00Z',
    '-C', stage, '-cf', tarFile, '--', ...fs.readdirSync(stage).sort(),
  ]);
  const tarBytes = fs.readFileSync(tarFile);
  const out = `${tarFile}.${layer.compression}`;
  if (layer.compression === 'zstd') await runTool('zstd', ['-q', '-3', '-f', tarFile, '-o', out]);
  else if (layer.compression === 'gzip') await runPipeline([['gzip', '-n', '-c', tarFile]], out);
  else fs.copyFileSync(tarFile, out);
  return { blob: fs.readFileSync(out), diffId: `sha256:${sha256Hex(tarBytes)}` };
}

/**
 * Writes (or adds to) the OCI layout `dir`: one image tagged `tag` with the given layers, in
 * the order given, and a config for os/architecture (default linux/amd64). Returns the
 * manifest's digest.
 */
export async function buildHandOci(dir: string, tag: string, layers: HandLayer[], opts: HandImageOptions = {}): Promise<string> {
  const work = fs.mkdtempSync(path.join(path.dirname(path.resolve(dir)), '.hand-oci-'));
  try {
    const made = [];
    for (const [i, l] of layers.entries()) made.push(await makeLayer(work, i, l));
    const platform: Platform = { os: opts.os ?? 'linux', architecture: opts.architecture ?? 'amd64', ...(opts.variant ? { variant: opts.variant } : {}) };
    const config = {
      created: '2000-01-01T00:00:00Z', ...platform,
      config: { Cmd: opts.cmd ?? ['/bin/true'], Env: ['PATH=/usr/bin:/bin'] },
      rootfs: { type: 'layers', diff_ids: made.map((m) => m.diffId) },
      history: made.map((_, i) => ({ created: '2000-01-01T00:00:00Z', created_by: `hand layer ${i + 1}` })),
    };
    const configDesc = writeBlob(dir, Buffer.from(JSON.stringify(config)), MEDIA.config);
    const layerDescs = made.map((m, i) => writeBlob(dir, m.blob, MEDIA.layer[layers[i]!.compression]));
    const manifest = { schemaVersion: 2, mediaType: MEDIA.manifest, config: configDesc, layers: layerDescs };
    const desc = writeBlob(dir, Buffer.from(JSON.stringify(manifest)), MEDIA.manifest);
    tagInIndex(dir, tag, { ...desc, platform });
    return desc.digest;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** The manifest descriptor tagged `tag` in a layout's index.json. */
export function taggedManifest(dir: string, tag: string): { digest: string; size: number; mediaType: string } {
  const found = readIndex(dir).manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag);
  if (!found) throw new Error(`no tag ${tag} in ${dir}`);
  return found;
}

/** The os/architecture an image's config names (for umoci-built images of other tags). */
function platformOf(dir: string, digest: string): Platform {
  const blob = (d: string): Buffer => fs.readFileSync(path.join(dir, 'blobs', ...d.split(':')));
  const manifest = JSON.parse(blob(digest).toString('utf8')) as { config: { digest: string } };
  const config = JSON.parse(blob(manifest.config.digest).toString('utf8')) as Platform;
  return { os: config.os, architecture: config.architecture, ...(config.variant ? { variant: config.variant } : {}) };
}

/**
 * Adds an OCI index tagged `tag` over the images of `tags` (each with the platform its config
 * names) to the layout; returns the index's digest. Push it with `push(…, { all: true })`.
 */
export function addOciIndex(dir: string, tag: string, tags: readonly string[]): string {
  const manifests = tags.map((t) => {
    const m = taggedManifest(dir, t);
    return { mediaType: MEDIA.manifest, digest: m.digest, size: m.size, platform: platformOf(dir, m.digest) };
  });
  const desc = writeBlob(dir, Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA.index, manifests })), MEDIA.index);
  tagInIndex(dir, tag, desc);
  return desc.digest;
}
