// skiff's one HTTP transport, for registries, https ACIs and appc discovery. It applies the
// --insecure-options policy (plain http only with `http`, TLS verified unless `tls`), per-host
// CAs from certs.d, HTTPS_PROXY/NO_PROXY through Node's own Agent support, timeouts and
// redirects; it logs each exchange at debug without secrets and turns every network or TLS
// failure into one SkiffError. Statuses are the caller's business: it returns 4xx/5xx as they are.
import type { Agent, IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { Ctx } from '../../../common/context.ts';
import { SkiffError } from '../../../common/errors.ts';
import * as layout from '../../../common/layout.ts';
import type { Logger } from '../../../common/log.ts';
import { readAllLimited } from '../../import/read-limited.ts';
import { describeNetworkError } from './network-error.ts';
import { redactUrl } from './redact.ts';
import { defaultCas, hostCertsDirs, readHostTlsFiles, tlsSettingsFor } from './tls-options.ts';
import { probeTls } from './tls-probe.ts';

// process.getBuiltinModule, not `import`: an ES import of node:http reads every export to build
// its facade, and the WebSocket, CloseEvent and MessageEvent getters load all of undici (~50 ms
// of every fetch). node:https is taken the same way, to keep the two side by side.
const http = process.getBuiltinModule('node:http');
const https = process.getBuiltinModule('node:https');

export interface HttpRequest {
  url: string;
  method?: 'GET' | 'HEAD';
  headers?: Record<string, string>;
  /** What is being fetched, for messages: "the manifest of example.com/app:1". */
  what: string;
}

export interface HttpResponse {
  status: number;
  /** The final URL, after redirects. */
  url: string;
  headers: IncomingHttpHeaders;
  body: Readable;
  /** The body as text; refuses (without reading it all) one longer than `max` bytes. */
  text(max: number): Promise<string>;
  bytes(max: number): Promise<Buffer>;
  /** Drops the body (a small one is drained so the connection can be reused). */
  discard(): void;
}

export interface HttpClient extends Disposable {
  request(req: HttpRequest): Promise<HttpResponse>;
  /**
   * Whether the host of an https URL speaks TLS, asked with a bare ClientHello (tls-probe.ts),
   * so that a plain http host costs no CA set; undefined when a proxy may stand in between,
   * where skiff does not probe. Rejects like request() when the host cannot be reached.
   */
  speaksTls(url: string): Promise<boolean | undefined>;
  /** Closes idle keep-alive connections; the client is unusable afterwards. */
  close(): void;
}

export interface HttpClientOptions {
  env: Readonly<Record<string, string | undefined>>;
  connectTimeoutMs?: number;
  idleTimeoutMs?: number;
  maxRedirects?: number;
  /** The CAs every verified host gets (default: defaultCas(env)); read on the first verified https connection. */
  loadDefaultCas?: (env: Readonly<Record<string, string | undefined>>) => readonly string[];
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const PROXY_VARS = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy'] as const;
/** A body this small is read to its end on discard(), so its keep-alive connection is reused. */
const DRAIN_LIMIT = 64 * 1024;

export function createHttpClient(ctx: Ctx, opts: HttpClientOptions): HttpClient {
  const log = ctx.log.child({ mod: 'http' });
  const agents = new Map<string, Agent>();
  const proxyEnv = Object.fromEntries(PROXY_VARS.flatMap((k) => (opts.env[k] === undefined ? [] : [[k, opts.env[k]]])));
  let baseCas: readonly string[] | undefined;
  const agentFor = (url: URL): Agent => {
    let agent = agents.get(url.origin);
    if (agent) return agent;
    const common = { keepAlive: true, maxSockets: 8, proxyEnv };
    if (url.protocol === 'http:') {
      agent = new http.Agent(common);
    } else {
      // Unverified (--insecure-options=tls), the default CAs would be parsed for nothing; certs.d's
      // are still given, and `ca` stays set, so Node does not load its own bundled set instead.
      const base = ctx.insecure.tls ? [] : (baseCas ??= (opts.loadDefaultCas ?? defaultCas)(opts.env));
      const port = portOf(url);
      const files = readHostTlsFiles(hostCertsDirs(ctx.config, url.hostname, port, 443));
      agent = new https.Agent({ ...common, ...tlsSettingsFor(files, base, !ctx.insecure.tls) });
    }
    agents.set(url.origin, agent);
    return agent;
  };
  const close = (): void => {
    for (const a of agents.values()) a.destroy();
    agents.clear();
  };
  const timeouts = { connect: opts.connectTimeoutMs ?? 30_000, idle: opts.idleTimeoutMs ?? 60_000 };
  const speaksTls = async (raw: string): Promise<boolean | undefined> => {
    const url = new URL(raw);
    if (mayUseProxy(opts.env, url)) return undefined;
    const started = Date.now();
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    try {
      const verdict = await probeTls({ host, port: portOf(url), connectTimeoutMs: timeouts.connect, answerTimeoutMs: timeouts.idle });
      log.debug({ host: hostPortOf(url), verdict, ms: Date.now() - started }, 'tls probe');
      return verdict === 'tls';
    } catch (err) {
      throw networkFailure(ctx, url, err);
    }
  };
  return {
    request: (req) => followRedirects(ctx, log, req, agentFor, timeouts, opts.maxRedirects ?? 10),
    speaksTls,
    close,
    [Symbol.dispose]: close,
  };
}

export function portOf(url: URL): number {
  return url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
}

/**
 * Whether Node may send a request for `url` through a proxy: an https proxy is set and NO_PROXY
 * does not name the host (or host:port, or `*`) outright. Node also honours suffixes, wildcards
 * and address ranges; missing those errs towards "proxied", which only skips the TLS probe and
 * never connects directly where the user routed through a proxy.
 */
export function mayUseProxy(env: Readonly<Record<string, string | undefined>>, url: URL): boolean {
  // Node's own precedence (lower case first), and an https URL only ever uses the https proxy.
  const proxy = url.protocol === 'https:' ? env.https_proxy || env.HTTPS_PROXY : env.http_proxy || env.HTTP_PROXY;
  if (!proxy) return false;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  const names = new Set(['*', host, ...(url.port ? [`${host}:${url.port}`] : [])]);
  const bypass = (env.no_proxy || env.NO_PROXY || '').split(',').map((e) => e.trim().toLowerCase());
  return !bypass.some((e) => names.has(e));
}

function hostPortOf(url: URL): string {
  return url.port ? `${url.hostname}:${url.port}` : url.hostname;
}

function checkPolicy(ctx: Ctx, url: URL, what: string): void {
  if (url.protocol === 'https:') return;
  if (url.protocol !== 'http:') throw new SkiffError('USAGE', `${what}: cannot fetch ${redactUrl(url)}: only http and https are supported`);
  if (!ctx.insecure.http) {
    throw new SkiffError('IMAGE_INSECURE', `${what}: refusing plain http to ${hostPortOf(url)}`, {
      hint: 'pass --insecure-options=http to allow it',
    });
  }
}

async function followRedirects(
  ctx: Ctx,
  log: Logger,
  req: HttpRequest,
  agentFor: (url: URL) => Agent,
  timeouts: { connect: number; idle: number },
  maxRedirects: number,
): Promise<HttpResponse> {
  let url = new URL(req.url);
  let headers: Record<string, string> = { 'user-agent': 'skiff', ...req.headers };
  const seen = new Set<string>([url.href]);
  for (let hop = 0; ; hop++) {
    checkPolicy(ctx, url, req.what);
    // Date.now, not performance.now: the first touch of the `performance` global loads
    // perf_hooks (~2 ms), and a debug line needs no more than milliseconds.
    const started = Date.now();
    const res = await send(ctx, url, req.method ?? 'GET', headers, agentFor(url), timeouts);
    const status = res.statusCode ?? 0;
    const ms = Date.now() - started;
    log.debug({ method: req.method ?? 'GET', url: redactUrl(url), status, bytes: contentLength(res.headers), ms }, 'http');
    const location = res.headers.location;
    const wrapped = wrapResponse(ctx, res, url, req.what);
    if (!REDIRECTS.has(status) || location === undefined) return wrapped;
    wrapped.discard();
    const next = new URL(location, url);
    if (seen.has(next.href)) throw new SkiffError('HTTP_STATUS', `${req.what}: ${hostPortOf(url)} redirects in a loop (${redactUrl(next)})`);
    if (hop + 1 >= maxRedirects) throw new SkiffError('HTTP_STATUS', `${req.what}: more than ${maxRedirects} redirects from ${redactUrl(req.url)}`);
    seen.add(next.href);
    // Credentials are for the host they were meant for: a redirect to a blob store (or an
    // attacker) must not see them.
    if (next.origin !== url.origin) headers = withoutAuthorization(headers);
    url = next;
  }
}

function withoutAuthorization(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'authorization'));
}

function contentLength(headers: IncomingHttpHeaders): number | undefined {
  const v = headers['content-length'];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}

function send(
  ctx: Ctx,
  url: URL,
  method: string,
  headers: Record<string, string>,
  agent: Agent,
  timeouts: { connect: number; idle: number },
): Promise<IncomingMessage> {
  const fail = (err: unknown): SkiffError => networkFailure(ctx, url, err);
  return new Promise((resolve, reject) => {
    const mod = url.protocol === 'https:' ? https : http;
    const req = mod.request(url, { method, headers, agent });
    const timeoutError = (what: string) => Object.assign(new Error(`${what} timed out`), { code: 'ETIMEDOUT' });
    req.on('socket', (socket) => {
      if (!socket.connecting) return;
      const timer = setTimeout(() => req.destroy(timeoutError('connect')), timeouts.connect);
      socket.once('connect', () => clearTimeout(timer));
      socket.once('close', () => clearTimeout(timer));
    });
    // Inactivity on the socket, while waiting for headers and while the body streams.
    req.setTimeout(timeouts.idle, () => req.destroy(timeoutError('read')));
    req.on('error', (err) => reject(fail(err)));
    req.on('response', (res) => {
      // From here on failures surface on the body stream: give them the same one-line form.
      res.on('error', () => undefined);
      resolve(res);
    });
    req.end();
  });
}

/** A failure talking to `url`'s host, as one line (a TLS one names where its CA would go). */
export function networkFailure(ctx: Ctx, url: URL, err: unknown): SkiffError {
  if (err instanceof SkiffError) return err;
  return describeNetworkError(err, hostPortOf(url), portOf(url), layout.hostCertsDir(ctx.config.local, `${url.hostname}:${portOf(url)}`));
}

function wrapResponse(ctx: Ctx, res: IncomingMessage, url: URL, what: string): HttpResponse {
  const length = contentLength(res.headers);
  const tooLarge = (max: number): SkiffError => new SkiffError('ARCHIVE_TOO_LARGE', `${what} is larger than ${max} bytes`);
  const bytes = async (max: number): Promise<Buffer> => {
    if (length !== undefined && length > max) {
      res.destroy();
      throw tooLarge(max);
    }
    try {
      return await readAllLimited(res, max, what);
    } catch (err) {
      throw networkFailure(ctx, url, err);
    }
  };
  return {
    status: res.statusCode ?? 0,
    url: url.href,
    headers: res.headers,
    body: res,
    bytes,
    text: async (max) => (await bytes(max)).toString('utf8'),
    discard: () => {
      if (length !== undefined && length <= DRAIN_LIMIT) res.resume();
      else res.destroy();
    },
  };
}
