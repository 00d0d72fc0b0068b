// appc discovery over HTTPS: GET https://NAME?ac-discovery=1, then each parent path, until a
// page has an ac-discovery template that renders for the request. A page's Cache-Control
// max-age lets a later fetch reuse what it said without asking (rkt asked every time; a
// `skiff run` of a cached image should not wait on a web server).
import type { Ctx } from '../../../common/context.ts';
import { SkiffError, wrap } from '../../../common/errors.ts';
import { cachePolicyFromHeaders, isFresh } from '../cache/cache-control.ts';
import { readRemoteRecord, writeRemoteRecord } from '../cache/remote-records.ts';
import type { HttpClient, HttpResponse } from '../http/client.ts';
import { authHeadersFor, type HostAuth } from '../aci/auth-headers.ts';
import { describeApp, type DiscoveryApp } from './app-ref.ts';
import { parseAcMetaTags } from './meta-tags.ts';
import { discoveryPrefixes, endpointsFromMeta, type DiscoveredEndpoints } from './templates.ts';

export interface DiscoverDeps {
  client: HttpClient;
  auth: ReadonlyMap<string, HostAuth>;
  now: () => number;
}

/** Discovery pages are small HTML documents; more than this is not one. */
const MAX_PAGE_BYTES = 1024 * 1024;

/** The cache key of a discovery request: the name and every label, in a stable order. */
export function discoveryCacheKey(app: DiscoveryApp): string {
  const labels = [...app.labels].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k}=${v}`);
  return `discovery:${[app.name, ...labels].join(',')}`;
}

export async function discoverEndpoints(ctx: Ctx, deps: DiscoverDeps, app: DiscoveryApp): Promise<DiscoveredEndpoints> {
  const log = ctx.log.child({ mod: 'store', op: 'discovery', name: app.name });
  const key = discoveryCacheKey(app);
  const rec = readRemoteRecord(ctx.dataDir, key);
  if (rec?.discovery && isFresh(rec, deps.now())) {
    log.debug({ endpoints: rec.discovery.endpoints }, 'using cached discovery');
    return rec.discovery;
  }
  const tried: string[] = [];
  for (const prefix of discoveryPrefixes(app.name)) {
    const res = await fetchDiscoveryPage(ctx, deps, prefix).catch((err: unknown) => {
      throw wrap(err, `discovery of ${describeApp(app)}`);
    });
    const url = res.url;
    if (res.status >= 400 && res.status < 500) {
      res.discard();
      tried.push(`${url} (HTTP ${res.status})`);
      continue;
    }
    if (res.status !== 200) {
      res.discard();
      throw new SkiffError('HTTP_STATUS', `discovery of ${describeApp(app)}: ${url} answered HTTP ${res.status}`);
    }
    const found = endpointsFromMeta(parseAcMetaTags(await res.text(MAX_PAGE_BYTES)), app);
    log.debug({ url, endpoints: found.endpoints, pubkeys: found.pubkeys }, 'discovery page');
    if (found.endpoints.length === 0) {
      tried.push(`${url} (no ac-discovery template for it)`);
      continue;
    }
    const policy = cachePolicyFromHeaders(res.headers);
    if (policy.maxAge > 0) {
      writeRemoteRecord(ctx.dataDir, { key, fetchedAt: new Date(deps.now()).toISOString(), maxAge: policy.maxAge, discovery: found });
    }
    return found;
  }
  throw new SkiffError('IMAGE_NOT_FOUND', `discovery found no image for ${describeApp(app)}: tried ${tried.join(', ')}`, {
    hint: 'check the name, or fetch the ACI by its https:// URL',
  });
}

/** https first; plain http only when --insecure-options=http allows it and https cannot connect (as rkt). */
async function fetchDiscoveryPage(ctx: Ctx, deps: DiscoverDeps, prefix: string): Promise<HttpResponse> {
  const request = (scheme: 'https' | 'http'): Promise<HttpResponse> => {
    const url = `${scheme}://${prefix}?ac-discovery=1`;
    return deps.client.request({ url, what: `discovery page ${url}`, headers: authHeadersFor(deps.auth, url) });
  };
  try {
    return await request('https');
  } catch (err) {
    if (!ctx.insecure.http || !(err instanceof SkiffError) || err.code !== 'NETWORK') throw err;
    ctx.log.child({ mod: 'store', op: 'discovery' }).debug({ prefix, err: err.message }, 'https failed; trying http');
    return request('http');
  }
}
