// docker's token flow: the registry's Bearer challenge names a token server (realm) and a
// service; skiff asks it for `repository:REPO:pull`, with basic credentials when it has some,
// and sends the token it gets back as `Authorization: Bearer …`.
import { SkiffError } from '../../../common/errors.ts';
import type { HttpClient } from '../http/client.ts';
import type { AuthChallenge } from './auth-challenge.ts';
import { basicAuthorization } from '../auth-config-files.ts';
import type { BasicCredentials } from './credentials.ts';

/** Token answers are small JSON documents; anything bigger is not one. */
const MAX_TOKEN_RESPONSE = 1024 * 1024;

/** The token request URL: realm + service + scope (the challenge's own scope, if any, first). Pure. */
export function tokenUrl(challenge: AuthChallenge, scope: string, registry: string): URL {
  const realm = challenge.params.realm;
  if (realm === undefined || realm === '') {
    throw new SkiffError('AUTH', `${registry} asks for a Bearer token but names no token server (realm)`);
  }
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    throw new SkiffError('AUTH', `${registry} names a token server that is not a URL: ${JSON.stringify(realm)}`);
  }
  if (challenge.params.service !== undefined) url.searchParams.set('service', challenge.params.service);
  const scopes = [challenge.params.scope, scope].filter((s): s is string => s !== undefined && s !== '');
  for (const s of new Set(scopes)) url.searchParams.append('scope', s);
  return url;
}

/** `token` (docker) or `access_token` (OAuth2). Pure. */
export function parseTokenAnswer(text: string, realmHost: string): string {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new SkiffError('AUTH', `the token server ${realmHost} did not answer with JSON`);
  }
  const d = (doc ?? {}) as { token?: unknown; access_token?: unknown };
  const token = typeof d.token === 'string' && d.token !== '' ? d.token : d.access_token;
  if (typeof token !== 'string' || token === '') throw new SkiffError('AUTH', `the token server ${realmHost} answered without a token`);
  return token;
}

export interface TokenRequest {
  challenge: AuthChallenge;
  scope: string;
  /** `host[:port]` of the registry, for messages. */
  registry: string;
  repository: string;
  creds: BasicCredentials | undefined;
}

export async function fetchBearerToken(client: HttpClient, t: TokenRequest): Promise<string> {
  const url = tokenUrl(t.challenge, t.scope, t.registry);
  const res = await client.request({
    url: url.href,
    what: `a token for ${t.registry}/${t.repository}`,
    headers: t.creds ? { authorization: basicAuthorization(t.creds) } : {},
  });
  if (res.status === 401 || res.status === 403) {
    res.discard();
    throw refused(t.registry, t.repository, t.creds);
  }
  if (res.status !== 200) {
    res.discard();
    throw new SkiffError('HTTP_STATUS', `the token server ${url.host} answered HTTP ${res.status} for ${t.registry}/${t.repository}`);
  }
  return parseTokenAnswer(await res.text(MAX_TOKEN_RESPONSE), url.host);
}

/** The AUTH error for a registry that turned us away, saying which credentials were tried. */
export function refused(registry: string, repository: string, creds: BasicCredentials | undefined): SkiffError {
  if (creds === undefined) {
    return new SkiffError('AUTH', `${registry} needs credentials to pull ${repository}`, {
      hint: `run docker login ${registry}, which writes ~/.docker/config.json, or add a dockerAuth file to auth.d in the config dir`,
    });
  }
  return new SkiffError('AUTH', `${registry} refused user ${creds.user} (from ${creds.from}) for pulling ${repository}`, {
    hint: 'check the user name and password, and that the user may pull this repository',
  });
}
