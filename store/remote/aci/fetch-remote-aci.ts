// Remote ACIs: an https:// (or, with --insecure-options=http, http://) URL with its signature
// at URL.asc, or a bare appc name found by discovery. The pull policy was applied by the
// caller: this asks the source, respecting the remote cache.
import type { Ctx } from '../../../common/context.ts';
import { SkiffError } from '../../../common/errors.ts';
import type { ImageRefKind } from '../../formats/image-ref.ts';
import type { ImageRecord } from '../../image-index.ts';
import type { FetchOptions } from '../../import/fetch-images.ts';
import { createHttpClient } from '../http/client.ts';
import { describeApp, mismatchWithManifest } from '../discovery/app-ref.ts';
import { appString, discoveryAppFor } from '../discovery/discovery-app.ts';
import { discoverEndpoints } from '../discovery/discover.ts';
import { loadHostAuth } from './auth-headers.ts';
import { fetchAciFromUrl, type AciFetchDeps } from './fetch-aci-url.ts';

export type RemoteAciRef = Extract<ImageRefKind, { kind: 'url' | 'name' }>;

export { appString, discoveryAppFor, platformLabels } from '../discovery/discovery-app.ts';

export async function fetchRemoteAci(ctx: Ctx, ref: RemoteAciRef, opts: FetchOptions): Promise<ImageRecord> {
  using client = createHttpClient(ctx, { env: opts.env ?? {} });
  const deps: AciFetchDeps = { client, auth: loadHostAuth(ctx.config), now: Date.now };
  if (ref.kind === 'url') {
    // `await`: the client is disposed when this function returns, not when the promise settles.
    return await fetchAciFromUrl(ctx, deps, { aciUrl: ref.url, ascUrl: signatureUrlFor(ref.url), source: ref.url, pubkeys: [] });
  }
  const app = discoveryAppFor(ref, opts.platform);
  const { endpoints, pubkeys } = await discoverEndpoints(ctx, deps, app);
  const checkManifest = (manifest: { name: string; labels?: { name: string; value: string }[] }): void => {
    const why = mismatchWithManifest(app, manifest);
    if (why !== undefined) {
      throw new SkiffError('MANIFEST_INVALID', `discovery of ${describeApp(app)} led to an image that does not match: ${why}`, {
        hint: 'the discovery page or the server is misconfigured; nothing was stored',
      });
    }
  };
  const notFound: string[] = [];
  for (const ep of endpoints) {
    try {
      return await fetchAciFromUrl(ctx, deps, { aciUrl: ep.aci, ascUrl: ep.asc, source: appString(ref), checkManifest, pubkeys });
    } catch (err) {
      // Several templates may be offered (mirrors); a missing image at one moves on to the next.
      if (!(err instanceof SkiffError) || err.code !== 'IMAGE_NOT_FOUND') throw err;
      notFound.push(ep.aci);
    }
  }
  throw new SkiffError('IMAGE_NOT_FOUND', `${describeApp(app)}: discovery points at ${notFound.join(', ')}, which the server does not have (HTTP 404)`, {
    hint: 'check the version and labels, or the discovery page',
  });
}

/** rkt's rule for a direct URL: the signature sits beside the image, `.asc` added to the path. */
export function signatureUrlFor(aciUrl: string): string {
  const url = new URL(aciUrl);
  url.pathname = `${url.pathname}.asc`;
  return url.href;
}
