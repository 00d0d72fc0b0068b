// Credentials for https ACI and discovery hosts: rkt's auth.d files with skiff's kind names,
//   {"skiffKind":"auth","skiffVersion":"v1","domains":["example.com"],"type":"basic","credentials":{"user":"u","password":"p"}}
//   {"skiffKind":"auth","skiffVersion":"v1","domains":["example.com:8443"],"type":"oauth","credentials":{"token":"t"}}
// read from both config dirs, the local one winning per domain (and an empty local file masking
// the system file of the same name). Registry credentials (skiffKind dockerAuth) live in the
// same directory and are the registry client's business.
import type { ConfigDirs } from '../../../common/context.ts';
import { SkiffError } from '../../../common/errors.ts';
import { basicAuthorization, readAuthConfigFiles } from '../auth-config-files.ts';

export type HostAuth = { type: 'basic'; user: string; password: string } | { type: 'oauth'; token: string };

/** Domain → credentials, from one config dir's auth.d contents (`file name → text`). Pure. */
export function parseAuthFiles(files: ReadonlyMap<string, string>): Map<string, HostAuth> {
  const out = new Map<string, HostAuth>();
  for (const [file, text] of files) {
    if (text.trim() === '') continue;
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (err) {
      throw new SkiffError('USAGE', `${file} is not JSON: ${(err as Error).message}`);
    }
    const d = doc as { skiffKind?: unknown; skiffVersion?: unknown; domains?: unknown; type?: unknown; credentials?: Record<string, unknown> };
    if (d.skiffKind !== 'auth') continue;
    const bad = (what: string): SkiffError => new SkiffError('USAGE', `${file}: ${what}`, {
      hint: 'see docs/discovery.md for the auth.d format',
    });
    if (d.skiffVersion !== 'v1') throw bad(`skiffVersion must be "v1"`);
    if (!Array.isArray(d.domains) || !d.domains.every((x) => typeof x === 'string' && x !== '')) throw bad('domains must be a list of host names');
    const c = d.credentials ?? {};
    let auth: HostAuth;
    if (d.type === 'basic' && typeof c.user === 'string' && typeof c.password === 'string') {
      auth = { type: 'basic', user: c.user, password: c.password };
    } else if (d.type === 'oauth' && typeof c.token === 'string') {
      auth = { type: 'oauth', token: c.token };
    } else {
      throw bad('type must be "basic" with credentials {user, password} or "oauth" with credentials {token}');
    }
    for (const domain of d.domains as string[]) out.set(domain.toLowerCase(), auth);
  }
  return out;
}

/**
 * The credentials for a URL: a domain written with a port matches that port only, one without
 * a port matches the host on any port.
 */
export function authForUrl(table: ReadonlyMap<string, HostAuth>, url: URL): HostAuth | undefined {
  return table.get(url.host.toLowerCase()) ?? table.get(url.hostname.toLowerCase());
}

export function authorizationHeader(auth: HostAuth): string {
  return auth.type === 'basic' ? basicAuthorization(auth) : `Bearer ${auth.token}`;
}

/** Reads auth.d from both config dirs (system first, so local entries replace its domains). */
export function loadHostAuth(config: ConfigDirs): Map<string, HostAuth> {
  return parseAuthFiles(new Map(readAuthConfigFiles(config).map((f) => [f.file, f.text])));
}

/** Headers for a request to `url`: Authorization when auth.d has credentials for its host. */
export function authHeadersFor(table: ReadonlyMap<string, HostAuth>, url: string): Record<string, string> {
  const auth = authForUrl(table, new URL(url));
  return auth === undefined ? {} : { authorization: authorizationHeader(auth) };
}
