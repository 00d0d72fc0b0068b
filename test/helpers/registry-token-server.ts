// A Bearer-token server for docker-registry's `auth: token:` (the Docker token flow): checks
// HTTP basic credentials (GET with Authorization, or an OAuth2 password-grant POST) and issues
// a JWT signed RS256 by a throwaway key whose self-signed certificate is the registry's
// rootcertbundle; the JWT header carries that certificate in `x5c`, which is how distribution
// 2.8 finds the verifying key. Every request is recorded, so a test can see whether a client
// asked for a token and with which credentials.
import { execFileSync } from 'node:child_process';
import { createPrivateKey, randomUUID, sign, X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';

export interface TokenUser { user: string; password: string }

export interface TokenRequestSeen {
  method: string;
  /** The user named by the credentials, '' when there were none. */
  user: string;
  /** Whether the credentials matched a user. */
  authenticated: boolean;
  scopes: string[];
  status: number;
}

export interface TokenServer {
  /** The realm URL to put in the registry config: http://127.0.0.1:PORT/token. */
  realm: string;
  service: string;
  issuer: string;
  /** PEM certificate for the registry's `rootcertbundle`. */
  rootCertPath: string;
  readonly requests: TokenRequestSeen[];
  stop(): Promise<void>;
}

export interface TokenServerOptions {
  users: TokenUser[];
  /** Issue tokens without credentials (granting nothing beyond `pull`); default false (401). */
  anonymousPull?: boolean;
}

const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

function makeSigningKey(dir: string): { keyPem: string; certPath: string; certDerB64: string } {
  const keyPath = path.join(dir, 'token-signing.key');
  const certPath = path.join(dir, 'token-signing.crt');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyPath, '-out', certPath,
    '-days', '10', '-subj', '/CN=skiff test token issuer',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  const cert = new X509Certificate(fs.readFileSync(certPath));
  return { keyPem: fs.readFileSync(keyPath, 'utf8'), certPath, certDerB64: cert.raw.toString('base64') };
}

function parseBasic(header: string | undefined): { user: string; password: string } | undefined {
  const m = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** `repository:NAME:a,b` scopes → the JWT `access` claim (every requested action is granted). */
function accessFor(scopes: readonly string[], anonymous: boolean): object[] {
  return scopes.flatMap((s) => {
    const parts = s.split(':');
    if (parts.length < 3) return [];
    const actions = parts[parts.length - 1]!.split(',').filter((a) => !anonymous || a === 'pull');
    return [{ type: parts[0], name: parts.slice(1, -1).join(':'), actions }];
  });
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Starts the token server on a free 127.0.0.1 port; `dir` holds the signing key and cert. */
export async function startTokenServer(dir: string, opts: TokenServerOptions): Promise<TokenServer> {
  const signing = makeSigningKey(dir);
  const key = createPrivateKey(signing.keyPem);
  const service = 'skiff-test-registry';
  const issuer = 'skiff-test-token-issuer';
  const requests: TokenRequestSeen[] = [];

  const issue = (user: string, scopes: string[], anonymous: boolean): string => {
    const now = Math.floor(Date.now() / 1000);
    const header = { typ: 'JWT', alg: 'RS256', x5c: [signing.certDerB64] };
    const claims = {
      iss: issuer, sub: user, aud: service, exp: now + 300, nbf: now - 30, iat: now, jti: randomUUID(),
      access: accessFor(scopes, anonymous),
    };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    return `${input}.${b64url(sign('sha256', Buffer.from(input), key))}`;
  };

  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      let creds = parseBasic(req.headers.authorization);
      let scopes = url.searchParams.getAll('scope');
      if (req.method === 'POST') {
        const form = new URLSearchParams(await readBody(req));
        if (form.get('grant_type') === 'password') creds = { user: form.get('username') ?? '', password: form.get('password') ?? '' };
        scopes = form.getAll('scope').flatMap((s) => s.split(' ')).filter(Boolean);
      }
      const known = creds !== undefined && opts.users.some((u) => u.user === creds.user && u.password === creds.password);
      const seen: TokenRequestSeen = { method: req.method ?? '', user: creds?.user ?? '', authenticated: known, scopes, status: 200 };
      requests.push(seen);
      if (url.pathname !== '/token') {
        seen.status = 404;
        res.writeHead(404).end();
        return;
      }
      if (!known && (creds !== undefined || !opts.anonymousPull)) {
        seen.status = 401;
        res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Basic realm="skiff-test-token"' });
        res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }));
        return;
      }
      const token = issue(creds?.user ?? '', scopes, !known);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() }));
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    rootCertPath: signing.certPath,
    requests,
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
