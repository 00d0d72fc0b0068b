// A hostile registry for integration tests: a node:http server that speaks just enough of the
// distribution API (GET/HEAD /v2/, manifests, blobs; Range on blobs) to serve the manifests
// and blobs a test gives it, and lies on request: wrong bytes for a digest, a short body, a
// connection dropped mid-body (honouring Range on the retry, as real registries do), a wrong
// content type, a huge manifest, a redirect loop, an endless 401, a status, a slow body. Every
// request is recorded. A real registry is in registry.ts; this one is for what real ones never do.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';

export type Fault =
  /** The right length, one byte flipped: the digest does not match. */
  | { kind: 'wrong-digest' }
  /** Half the body, with a Content-Length that agrees: a consistent but short response. */
  | { kind: 'truncated' }
  /**
   * Full Content-Length, `after` bytes (default half), then the socket is destroyed; `times` such
   * requests (default 1), then normal. Range requests are honoured, unless `ranges`: then they
   * drop too, after `after` bytes of the range.
   */
  | { kind: 'drop'; after?: number; times?: number; ranges?: boolean }
  | { kind: 'content-type'; value: string }
  /** A body of `bytes` (a JSON object padded with spaces), streamed; without Content-Length when `chunked`. */
  | { kind: 'huge'; bytes: number; chunked?: boolean }
  /** 307 → /redirect/1 → /redirect/2 → … → /redirect/N → /redirect/1 … */
  | { kind: 'redirect-loop' }
  /** 307 to another path on this server that serves the same content (a normal blob redirect). */
  | { kind: 'redirect' }
  | { kind: 'status'; status: number }
  /** The body in 16 KiB pieces, `delayMs` apart. */
  | { kind: 'slow'; delayMs: number };

export interface SeenRequest {
  method: string;
  path: string;
  range?: string;
  ifRange?: string;
  authorization: boolean;
  userAgent?: string;
}

interface Content { body: Buffer; mediaType: string; digest: string }

export interface FakeRegistryOptions {
  /** Every /v2/ request answers 401 with a Bearer challenge whose realm hands out tokens that never work. */
  authLoop?: boolean;
}

export interface FakeRegistry {
  host: string;
  port: number;
  /** `repo:tag` or `repo@digest` → `docker://127.0.0.1:PORT/…`. */
  ref(repoRef: string): string;
  /** Serves a blob at /v2/REPO/blobs/DIGEST for any repo; returns its digest. */
  addBlob(body: Buffer): string;
  /** Serves a manifest under `repo` by tag (when given) and by digest; returns its digest. */
  addManifest(repo: string, tag: string | undefined, body: Buffer | string, mediaType: string): string;
  /** Serves an OCI layout's image of `tag` (manifest, config, layers) as REPO:repoTag. */
  addOciLayout(ociDir: string, tag: string, repo: string, repoTag: string): OciServed;
  /** Makes requests for this digest (blob or manifest) or `repo:tag` misbehave. */
  fault(key: string, fault: Fault): void;
  clearFaults(): void;
  readonly requests: SeenRequest[];
  /** Requests whose path mentions `digest` (blob or manifest fetches of it). */
  requestsFor(digest: string): SeenRequest[];
  stop(): Promise<void>;
}

export interface OciServed {
  manifestDigest: string;
  configDigest: string;
  layerDigests: string[];
  manifest: { mediaType?: string; config: { digest: string }; layers: { digest: string; size: number; mediaType: string }[] };
}

export const sha256 = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

const REDIRECT_LOOP = 4;
const ROUTE = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/;

function parseRange(header: string | undefined, size: number): { start: number; end: number } | undefined {
  const m = /^bytes=(\d+)-(\d*)$/.exec(header ?? '');
  if (!m) return undefined;
  const start = Number(m[1]);
  const end = m[2] ? Math.min(Number(m[2]), size - 1) : size - 1;
  return start <= end ? { start, end } : undefined;
}

function sendHuge(res: http.ServerResponse, bytes: number, chunked: boolean, mediaType: string): void {
  const head = Buffer.from('{"schemaVersion":2,"mediaType":"' + mediaType + '","pad":"');
  const tail = Buffer.from('"}');
  res.writeHead(200, { 'content-type': mediaType, ...(chunked ? {} : { 'content-length': String(bytes) }) });
  res.write(head);
  let left = bytes - head.length - tail.length;
  const piece = Buffer.alloc(1 << 16, 0x20);
  const pump = (): void => {
    while (left > 0) {
      const n = Math.min(left, piece.length);
      left -= n;
      if (!res.write(piece.subarray(0, n))) {
        res.once('drain', pump);
        return;
      }
    }
    res.end(tail);
  };
  res.on('close', () => (left = 0));
  pump();
}

function sendSlow(res: http.ServerResponse, body: Buffer, delayMs: number): void {
  let off = 0;
  const timer = setInterval(() => {
    if (res.destroyed) return clearInterval(timer);
    const piece = body.subarray(off, off + (16 << 10));
    off += piece.length;
    if (off >= body.length) {
      clearInterval(timer);
      res.end(piece);
    } else res.write(piece);
  }, delayMs);
  res.on('close', () => clearInterval(timer));
}

/** Starts the fake registry on a free 127.0.0.1 port. */
export async function startFakeRegistry(opts: FakeRegistryOptions = {}): Promise<FakeRegistry> {
  const blobs = new Map<string, Content>();
  const manifests = new Map<string, Content>(); // `repo:tag` and `repo@digest`
  const faults = new Map<string, Fault>();
  const dropsDone = new Map<string, number>();
  const requests: SeenRequest[] = [];
  let origin = '';

  const serveContent = (req: http.IncomingMessage, res: http.ServerResponse, c: Content, key: string, isBlob: boolean): void => {
    const fault = faults.get(key) ?? faults.get(c.digest);
    const headers: http.OutgoingHttpHeaders = {
      'content-type': c.mediaType, 'docker-content-digest': c.digest, etag: `"${c.digest}"`, 'accept-ranges': 'bytes',
    };
    if (fault?.kind === 'status') return void res.writeHead(fault.status, { 'content-type': 'application/json' }).end('{"errors":[{"code":"UNKNOWN","message":"injected"}]}');
    if (fault?.kind === 'redirect-loop') return void res.writeHead(307, { location: `${origin}/redirect/1` }).end();
    if (fault?.kind === 'redirect' && !req.url?.startsWith('/storage/')) {
      return void res.writeHead(307, { location: `${origin}/storage${req.url}` }).end();
    }
    if (fault?.kind === 'huge') return sendHuge(res, fault.bytes, fault.chunked ?? false, c.mediaType);
    if (fault?.kind === 'content-type') headers['content-type'] = fault.value;
    let body = c.body;
    if (fault?.kind === 'wrong-digest') {
      body = Buffer.from(body);
      const mid = body.length >> 1;
      body[mid] = (body[mid] ?? 0) ^ 0xff;
    }
    if (fault?.kind === 'truncated') body = body.subarray(0, body.length >> 1);
    const ifRange = req.headers['if-range'];
    const range = isBlob && (ifRange === undefined || ifRange === headers.etag) ? parseRange(req.headers.range, body.length) : undefined;
    if (req.method === 'HEAD') return void res.writeHead(200, { ...headers, 'content-length': String(body.length) }).end();
    const drop = fault?.kind === 'drop' && (dropsDone.get(key) ?? 0) < (fault.times ?? 1) ? fault : undefined;
    if (drop && (range === undefined || drop.ranges)) dropsDone.set(key, (dropsDone.get(key) ?? 0) + 1);
    if (range && drop?.ranges) {
      res.writeHead(206, { ...headers, 'content-length': String(range.end - range.start + 1), 'content-range': `bytes ${range.start}-${range.end}/${body.length}` });
      res.write(body.subarray(range.start, Math.min(range.end + 1, range.start + (drop.after ?? 1))), () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    }
    if (range) {
      res.writeHead(206, { ...headers, 'content-length': String(range.end - range.start + 1), 'content-range': `bytes ${range.start}-${range.end}/${body.length}` });
      return void res.end(body.subarray(range.start, range.end + 1));
    }
    if (drop) {
      res.writeHead(200, { ...headers, 'content-length': String(body.length) });
      res.write(body.subarray(0, drop.after ?? body.length >> 1), () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    }
    res.writeHead(200, { ...headers, 'content-length': String(body.length) });
    if (fault?.kind === 'slow') return sendSlow(res, body, fault.delayMs);
    res.end(body);
  };

  const handle = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push({
      method: req.method ?? '', path: url.pathname, authorization: req.headers.authorization !== undefined,
      ...(req.headers.range ? { range: req.headers.range } : {}),
      ...(typeof req.headers['if-range'] === 'string' ? { ifRange: req.headers['if-range'] } : {}),
      ...(req.headers['user-agent'] ? { userAgent: req.headers['user-agent'] } : {}),
    });
    const redirect = /^\/redirect\/(\d+)$/.exec(url.pathname);
    if (redirect) return void res.writeHead(307, { location: `${origin}/redirect/${(Number(redirect[1]) % REDIRECT_LOOP) + 1}` }).end();
    if (url.pathname === '/token') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: 'never-valid', expires_in: 300 }));
    const json = { 'content-type': 'application/json', 'docker-distribution-api-version': 'registry/2.0' };
    if (opts.authLoop && url.pathname.startsWith('/v2/')) {
      return void res.writeHead(401, { ...json, 'www-authenticate': `Bearer realm="${origin}/token",service="fake",scope="repository:x:pull"` })
        .end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
    }
    if (url.pathname === '/v2/' || url.pathname === '/v2') return void res.writeHead(200, json).end('{}');
    const m = ROUTE.exec(url.pathname.replace(/^\/storage/, ''));
    if (m && (req.method === 'GET' || req.method === 'HEAD')) {
      const [, repo, kind, ref] = m as unknown as [string, string, string, string];
      const key = kind === 'blobs' ? ref : ref.includes(':') ? `${repo}@${ref}` : `${repo}:${ref}`;
      const c = kind === 'blobs' ? blobs.get(ref) : manifests.get(key);
      if (c) return serveContent(req, res, c, key, kind === 'blobs');
      const code = kind === 'blobs' ? 'BLOB_UNKNOWN' : 'MANIFEST_UNKNOWN';
      return void res.writeHead(404, json).end(JSON.stringify({ errors: [{ code, message: `${kind === 'blobs' ? 'blob' : 'manifest'} unknown`, detail: ref }] }));
    }
    res.writeHead(404, json).end('{"errors":[{"code":"NAME_UNKNOWN","message":"not found"}]}');
  };

  const server = http.createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const host = `127.0.0.1:${port}`;
  origin = `http://${host}`;

  const addBlob = (body: Buffer): string => {
    const digest = sha256(body);
    blobs.set(digest, { body, mediaType: 'application/octet-stream', digest });
    return digest;
  };
  const addManifest = (repo: string, tag: string | undefined, raw: Buffer | string, mediaType: string): string => {
    const body = Buffer.from(raw);
    const digest = sha256(body);
    const c = { body, mediaType, digest };
    manifests.set(`${repo}@${digest}`, c);
    if (tag !== undefined) manifests.set(`${repo}:${tag}`, c);
    return digest;
  };
  return {
    host, port,
    ref: (repoRef) => `docker://${host}/${repoRef}`,
    addBlob,
    addManifest,
    addOciLayout(ociDir, tag, repo, repoTag) {
      const blobPath = (d: string): string => path.join(ociDir, 'blobs', ...d.split(':'));
      const index = JSON.parse(fs.readFileSync(path.join(ociDir, 'index.json'), 'utf8')) as { manifests: { digest: string; annotations?: Record<string, string> }[] };
      const desc = index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag);
      if (!desc) throw new Error(`no tag ${tag} in ${ociDir}`);
      const raw = fs.readFileSync(blobPath(desc.digest));
      const manifest = JSON.parse(raw.toString('utf8')) as OciServed['manifest'];
      for (const d of [manifest.config.digest, ...manifest.layers.map((l) => l.digest)]) addBlob(fs.readFileSync(blobPath(d)));
      const manifestDigest = addManifest(repo, repoTag, raw, manifest.mediaType ?? 'application/vnd.oci.image.manifest.v1+json');
      return { manifestDigest, configDigest: manifest.config.digest, layerDigests: manifest.layers.map((l) => l.digest), manifest };
    },
    fault: (key, fault) => void faults.set(key, fault),
    clearFaults: () => {
      faults.clear();
      dropsDone.clear();
    },
    requests,
    requestsFor: (digest) => requests.filter((r) => r.path.includes(digest)),
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
