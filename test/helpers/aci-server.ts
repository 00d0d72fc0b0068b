// A small web server for remote ACI and discovery tests, in the test process: HTTPS with a
// certificate from test-ca.ts (or plain HTTP), fixed routes, ETag revalidation (If-None-Match
// → 304), optional basic auth, and a log of every request so tests can count what skiff asked.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';

export interface Route {
  /** The body, or a file to send. */
  body?: Buffer | string;
  file?: string;
  status?: number;
  etag?: string;
  cacheControl?: string;
  contentType?: string;
  /** `user:password` this route requires (HTTP basic). */
  basicAuth?: string;
}

export interface LoggedRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  headers: http.IncomingHttpHeaders;
  status: number;
}

export interface WebServer extends AsyncDisposable {
  readonly port: number;
  /** `https://HOST:PORT` (or http://), HOST being what the server was told clients use. */
  readonly origin: string;
  /** Routes by path with query (`/app?ac-discovery=1`), falling back to the path alone. */
  readonly routes: Map<string, Route>;
  readonly log: LoggedRequest[];
  /** How many requests asked for `url` (path, or path with query). */
  hits(url: string): number;
  close(): Promise<void>;
}

export interface WebServerOptions {
  /** PEM certificate and key; without them the server speaks plain HTTP. */
  tls?: { certPem: string; keyPem: string };
  /** Default: a free port chosen by the kernel. */
  port?: number;
  /** The host name clients use, for `origin` (default 127.0.0.1). */
  hostName?: string;
}

export async function startWebServer(opts: WebServerOptions = {}): Promise<WebServer> {
  const routes = new Map<string, Route>();
  const log: LoggedRequest[] = [];
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const url = req.url ?? '/';
    const route = routes.get(url) ?? routes.get(url.split('?')[0]!);
    const status = answer(route, req, res);
    log.push({ method: req.method ?? 'GET', url, headers: req.headers, status });
  };
  const server = opts.tls
    ? https.createServer({ cert: opts.tls.certPem, key: opts.tls.keyPem }, handler)
    : http.createServer(handler);
  // A TLS handshake the client refuses (expired, wrong host) surfaces here; it is the point of
  // those tests, not a server failure.
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const scheme = opts.tls ? 'https' : 'http';
  const defaultPort = opts.tls ? 443 : 80;
  const origin = `${scheme}://${opts.hostName ?? '127.0.0.1'}${port === defaultPort ? '' : `:${port}`}`;
  const close = (): Promise<void> => new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
  return {
    port,
    origin,
    routes,
    log,
    hits: (url) => log.filter((r) => r.url === url || r.url.split('?')[0] === url).length,
    close,
    [Symbol.asyncDispose]: close,
  };
}

function answer(route: Route | undefined, req: http.IncomingMessage, res: http.ServerResponse): number {
  const send = (status: number, headers: Record<string, string>, body?: Buffer | string): number => {
    res.writeHead(status, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
    return status;
  };
  if (route === undefined) return send(404, { 'content-type': 'text/plain' }, 'not found\n');
  if (route.basicAuth !== undefined && req.headers.authorization !== `Basic ${Buffer.from(route.basicAuth).toString('base64')}`) {
    return send(401, { 'www-authenticate': 'Basic realm="test"' }, 'unauthorized\n');
  }
  const headers: Record<string, string> = { 'content-type': route.contentType ?? 'application/octet-stream' };
  if (route.etag !== undefined) headers.etag = route.etag;
  if (route.cacheControl !== undefined) headers['cache-control'] = route.cacheControl;
  if (route.etag !== undefined && req.headers['if-none-match'] === route.etag) return send(304, headers);
  const body = route.file !== undefined ? fs.readFileSync(route.file) : route.body ?? '';
  return send(route.status ?? 200, headers, body);
}
