// `skiff fetch docker://HOST[:PORT]/REPO[:TAG|@DIGEST]`: resolve the reference to one manifest
// (through a manifest list / OCI index for --platform), then import it like a local OCI image,
// with the config and layers streamed from the registry and verified on the way. Nothing is
// stored until verified, and the image record is written last.
import type { Ctx, Progress, ProgressItem } from '../../../common/context.ts';
import { SkiffError } from '../../../common/errors.ts';
import { parseDigest, type Digest } from '../../../common/ids.ts';
import { isIndexMediaType } from '../../formats/oci-types.ts';
import { describePlatform, selectPlatform, type PlatformWanted } from '../../formats/oci-layout.ts';
import type { ImageRecord } from '../../image-index.ts';
import type { FetchOptions } from '../../import/fetch-images.ts';
import type { LayerDescriptor } from '../../import/import-layer.ts';
import { importOciImage, type RemoteBlobSource } from '../../import/import-oci.ts';
import { createHttpClient, type HttpClient } from '../http/client.ts';
import { fetchManifest, fetchSmallBlob, layerSource } from './blobs.ts';
import { loadRegistryCredentials } from './credentials.ts';
import type { CheckedManifest } from './manifest.ts';
import { parsePlatform } from './platform.ts';
import { formatRegistryReference, parseRegistryReference, type RegistryReference } from './reference.ts';
import { openRegistrySession, type RegistrySession } from './session.ts';

/** Layers downloaded at once: enough to fill a fast link, few enough to share two cores. */
const LAYER_CONCURRENCY = 3;

export async function pullDockerImage(ctx: Ctx, reference: string, opts: FetchOptions): Promise<ImageRecord> {
  const ref = parseRegistryReference(reference);
  const platform = parsePlatform(opts.platform);
  if (!ctx.insecure.image) {
    throw new SkiffError('SIGNATURE_MISSING', `docker://${reference} carries no signature skiff can check (registry images are not signed)`, {
      hint: 'pass --insecure-options=image to fetch it; its digests are still verified',
    });
  }
  const env = opts.env ?? {};
  const log = ctx.log.child({ mod: 'registry', ref: formatRegistryReference(ref) });
  using client = createHttpClient(ctx, { env });
  const creds = loadRegistryCredentials(ctx.config, env).get(ref.registry);
  log.debug({ credentials: creds?.from ?? 'none' }, 'credentials');
  const session = await openRegistrySession(ctx, client, ref, creds);
  const manifest = await resolveManifest(ctx, session, ref, platform);
  log.debug({ digest: manifest.digest, mediaType: manifest.mediaType }, 'manifest');
  const blobs = registryBlobSource(client, session, ref, (offset, reason) => log.debug({ offset, reason }, 'resuming a layer download'));
  const total = manifest.kind === 'manifest' ? manifest.manifest.layers.reduce((n, l) => n + l.size, 0) : undefined;
  ctx.progress?.start(`pulling ${formatRegistryReference(ref)}`, total);
  try {
    return await importOciImage(ctx, {
      source: `docker://${reference}`,
      name: `${ref.registry}/${ref.repository}`,
      tag: ref.tag,
      manifestDigest: manifest.digest,
      manifestBytes: manifest.bytes,
      blobs: withProgress(blobs, ctx.progress),
      platform,
    });
  } finally {
    ctx.progress?.done();
  }
}

/** The reference's manifest; through an index (nested at most 4 deep) to the one for `platform`. */
async function resolveManifest(ctx: Ctx, session: RegistrySession, ref: RegistryReference, platform: PlatformWanted): Promise<CheckedManifest> {
  const max = ctx.limits.maxManifestBytes;
  let m = await fetchManifest(session, ref, ref.digest ?? ref.tag ?? 'latest', ref.digest, max);
  for (let depth = 0; m.kind === 'index'; depth++) {
    if (depth >= 4) throw new SkiffError('IMAGE_FORMAT', `${formatRegistryReference(ref)}: image indexes nest more than 4 deep`);
    const entry = selectPlatform(m.index, platform, formatRegistryReference(ref));
    const digest: Digest = parseDigest(entry.digest);
    m = await fetchManifest(session, ref, digest, digest, max);
    if (m.kind === 'manifest' && isIndexMediaType(entry.mediaType)) {
      throw new SkiffError('IMAGE_FORMAT', `${formatRegistryReference(ref)}: the ${describePlatform(platform)} entry says index, the registry serves a manifest`);
    }
  }
  return m;
}

function registryBlobSource(
  client: HttpClient,
  session: RegistrySession,
  ref: RegistryReference,
  onResume: (offset: number, reason: string) => void,
): RemoteBlobSource {
  return {
    describe: formatRegistryReference(ref),
    concurrency: LAYER_CONCURRENCY,
    readBlob: (desc, max, what) => fetchSmallBlob(session, ref, desc, max, what),
    layer: (desc, signal) => layerSource(client, session, ref, desc, signal, onResume),
  };
}

/** One progress line per layer when the display can draw them, else bytes on the overall line. */
function withProgress(blobs: RemoteBlobSource, progress: Progress | undefined): RemoteBlobSource {
  if (progress === undefined) return blobs;
  return {
    ...blobs,
    onLayerStart(desc: LayerDescriptor, index: number) {
      const item: ProgressItem | undefined = progress.item?.(`layer ${index + 1} ${desc.digest.slice(7, 19)}`, desc.size);
      return {
        advance: (n) => (item ? item.advance(n) : progress.advance(n)),
        done: (skipped) => item?.done(skipped ? 'already stored' : undefined),
      };
    },
  };
}
