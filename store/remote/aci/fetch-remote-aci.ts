// Remote ACIs: an https:// (or, with --insecure-options=http, http://) URL with its signature
// at URL.asc, or a bare appc name found by discovery. The pull policy was applied by the
// caller: this asks the source, respecting the remote cache.
import type { Ctx } from '../../../common/context.ts';
import { SkiffError } from '../../../common/errors.ts';
import { appcArchOf } from '../../convert/appc-names.ts';
import type { ImageRefKind } from '../../formats/image-ref.ts';
import type { ImageRecord } from '../../image-index.ts';
import type { FetchOptions } from '../../import/fetch-images.ts';
import { createHttpClient } from '../http/client.ts';
import { describeApp, mismatchWithManifest, parseDiscoveryApp, type DiscoveryApp } from '../discovery/app-ref.ts';
import { discoverEndpoints } from '../discovery/discover.ts';
import { loadHostAuth } from './auth-headers.ts';
import { fetchAciFromUrl, type AciFetchDeps } from './fetch-aci-url.ts';

export type RemoteAciRef = Extract<ImageRefKind, { kind: 'url' | 'name' }>;

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

/** The app string as the user wrote it: `name[:version][,label=value…]`. */
export function appString(ref: Extract<ImageRefKind, { kind: 'name' }>): string {
  return ref.version === undefined ? ref.name : `${ref.name}:${ref.version}`;
}

export function discoveryAppFor(ref: Extract<ImageRefKind, { kind: 'name' }>, platform: string | undefined): DiscoveryApp {
  return parseDiscoveryApp(appString(ref), platformLabels(platform));
}

/** `--platform os/arch[/variant]` as appc's os and arch labels; default linux/amd64. */
export function platformLabels(platform: string | undefined): { os: string; arch: string } {
  if (platform === undefined) return { os: 'linux', arch: 'amd64' };
  const [os = '', arch = '', variant] = platform.split('/');
  if (os === '' || arch === '') throw new SkiffError('USAGE', `--platform ${JSON.stringify(platform)}: write os/arch[/variant], e.g. linux/arm64`);
  return { os, arch: appcArchOf(arch, variant) };
}

/** rkt's rule for a direct URL: the signature sits beside the image, `.asc` added to the path. */
export function signatureUrlFor(aciUrl: string): string {
  const url = new URL(aciUrl);
  url.pathname = `${url.pathname}.asc`;
  return url.href;
}
