// Talking to one repository of one registry: the /v2/ ping that tells how to authenticate,
// the scheme (https; plain http only under --insecure-options=http, and then only when the
// host does not speak TLS), and GETs that carry the credentials or token and answer a new
// challenge once (a token for the wrong scope) before giving up (a 401 loop).
import type { Ctx } from '../../../common/context.ts';
import { SkiffError } from '../../../common/errors.ts';
import { portOf, type HttpClient, type HttpResponse } from '../http/client.ts';
import { saysNotTls } from '../http/network-error.ts';
import { parseAuthChallenges, pickChallenge, type AuthChallenge } from './auth-challenge.ts';
import { basicAuthorization } from '../auth-config-files.ts';
import type { BasicCredentials } from './credentials.ts';
import type { RegistryReference } from './reference.ts';
import { fetchBearerToken, refused } from './token.ts';

export interface RegistrySession {
  /** `https://host:port` (or `http://…`). */
  base: string;
  /** GET base + path with credentials; returns any status but 401. */
  get(path: string, what: string, headers?: Record<string, string>): Promise<HttpResponse>;
  /** The headers a GET sends now (with the current token), for resuming a download. */
  authHeaders(): Record<string, string>;
}

export async function openRegistrySession(
  ctx: Ctx,
  client: HttpClient,
  ref: RegistryReference,
  creds: BasicCredentials | undefined,
): Promise<RegistrySession> {
  const { base, ping } = await pingRegistry(ctx, client, ref);
  const scope = `repository:${ref.repository}:pull`;
  let authorization: string | undefined;
  const answer = async (res: HttpResponse): Promise<void> => {
    const challenge = pickChallenge(parseAuthChallenges(res.headers['www-authenticate']));
    res.discard();
    authorization = await authorize(client, challenge, ref, scope, creds);
  };
  if (ping.status === 401) await answer(ping);
  else ping.discard();
  const authHeaders = (): Record<string, string> => (authorization ? { authorization } : {});
  return {
    base,
    authHeaders,
    async get(path, what, headers = {}) {
      for (let attempt = 0; ; attempt++) {
        const res = await client.request({ url: `${base}${path}`, what, headers: { ...headers, ...authHeaders() } });
        if (res.status !== 401) return res;
        // One new challenge is answered (a token scoped for something else); a second 401 for
        // the same request means the registry will not let us in, whatever we send.
        if (attempt > 0) {
          res.discard();
          throw refused(ref.registry, ref.repository, creds);
        }
        await answer(res);
      }
    },
  };
}

async function pingRegistry(ctx: Ctx, client: HttpClient, ref: RegistryReference): Promise<{ base: string; ping: HttpResponse }> {
  const what = `the registry API of ${ref.registry}`;
  const https = `https://${ref.apiHost}`;
  const http = `http://${ref.apiHost}`;
  // rkt's and podman's --insecure-registry: a host that does not speak TLS is asked in plain
  // http, only when the user allowed it. A bad certificate is not a reason to drop TLS, and a
  // host that speaks TLS is never asked in plain http. Whether it does is probed first, so a
  // plain http registry costs no CA set. The probe costs a TLS host two round trips, so a host
  // on 443 (docker.io, ghcr.io…; plain http registries live on ports of their own, like 5000)
  // is not probed, nor one behind a proxy: the https ping itself finds out, as it always did.
  let speaksTls: boolean | undefined = true; // undefined: not known before the ping
  if (ctx.insecure.http) speaksTls = portOf(new URL(https)) === 443 ? undefined : await client.speaksTls(https);
  if (speaksTls !== undefined) {
    const chosen = speaksTls ? https : http;
    return { base: chosen, ping: checkPing(ref, await client.request({ url: `${chosen}/v2/`, what })) };
  }
  let base = https;
  let ping: HttpResponse;
  try {
    ping = await client.request({ url: `${https}/v2/`, what });
  } catch (err) {
    if (!saysNotTls(err)) throw err;
    base = http;
    ping = await client.request({ url: `${http}/v2/`, what });
  }
  return { base, ping: checkPing(ref, ping) };
}

/** A /v2/ answer a registry gives: 200, or 401 with a challenge. */
function checkPing(ref: RegistryReference, ping: HttpResponse): HttpResponse {
  if (ping.status === 200 || ping.status === 401) return ping;
  ping.discard();
  if (ping.status === 404) {
    throw new SkiffError('HTTP_STATUS', `${ref.registry} is not a container registry: GET /v2/ answered 404`, {
      hint: 'check the host and port (skiff speaks the OCI distribution / registry v2 API)',
    });
  }
  throw new SkiffError('HTTP_STATUS', `${ref.registry} answered HTTP ${ping.status} to GET /v2/`);
}

async function authorize(
  client: HttpClient,
  challenge: AuthChallenge | undefined,
  ref: RegistryReference,
  scope: string,
  creds: BasicCredentials | undefined,
): Promise<string> {
  if (challenge === undefined) {
    throw new SkiffError('AUTH', `${ref.registry} answered 401 without a Bearer or Basic challenge skiff can answer`);
  }
  if (challenge.scheme === 'basic') {
    if (creds === undefined) throw refused(ref.registry, ref.repository, undefined);
    return basicAuthorization(creds);
  }
  const token = await fetchBearerToken(client, { challenge, scope, registry: ref.registry, repository: ref.repository, creds });
  return `Bearer ${token}`;
}
