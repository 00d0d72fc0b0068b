// What the store already holds for a remote image argument, for --pull-policy=new|never:
// a URL or docker:// reference through its remote record (the image it gave last time), a
// bare name through the index (name and labels, newest import first, as rkt's store did).
import type { Ctx } from '../../../common/context.ts';
import type { ImageRefKind } from '../../formats/image-ref.ts';
import { normalizeDockerReference } from '../../formats/image-ref.ts';
import { readImageRecords, type ImageRecord } from '../../image-index.ts';
import { mismatchWithManifest } from '../discovery/app-ref.ts';
import { discoveryAppFor } from '../discovery/discovery-app.ts';
import { readRemoteRecord, writeRemoteRecord, type RemoteRecord } from './remote-records.ts';

export type RemoteRefKind = Exclude<ImageRefKind, { kind: 'local' }>;

/** The remote record key for a docker:// reference: its full form, so `busybox` and `docker.io/library/busybox:latest` agree. */
export function dockerRecordKey(reference: string): string {
  return `docker://${normalizeDockerReference(reference)}`;
}

/** The stored image a record points at, if it is still there and as trustworthy as this fetch needs. */
export function cachedImage(ctx: Ctx, rec: RemoteRecord | undefined): ImageRecord | undefined {
  if (rec?.imageId === undefined) return undefined;
  // Fetched unverified once: a verifying fetch must not take it on that record's word.
  if (rec.signedBy === undefined && !ctx.insecure.image) return undefined;
  return readImageRecords(ctx.dataDir).find((r) => r.id === rec.imageId);
}

export function findStoredImage(ctx: Ctx, kind: RemoteRefKind, platform: string | undefined): ImageRecord | undefined {
  switch (kind.kind) {
    case 'url':
      return cachedImage(ctx, readRemoteRecord(ctx.dataDir, kind.url));
    case 'docker': {
      const rec = readRemoteRecord(ctx.dataDir, dockerRecordKey(kind.reference));
      return rec?.imageId === undefined ? undefined : readImageRecords(ctx.dataDir).find((r) => r.id === rec.imageId);
    }
    case 'name': {
      const app = discoveryAppFor(kind, platform);
      return readImageRecords(ctx.dataDir).filter((r) => mismatchWithManifest(app, r.manifest) === undefined).at(-1);
    }
  }
}

/** Remembers which image a docker:// reference gave, so `new` finds it without asking the registry. */
export function recordDockerPull(ctx: Ctx, reference: string, image: ImageRecord): void {
  writeRemoteRecord(ctx.dataDir, { key: dockerRecordKey(reference), fetchedAt: new Date().toISOString(), maxAge: 0, imageId: image.id });
}
