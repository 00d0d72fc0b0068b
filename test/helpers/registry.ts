// A real registry for integration tests and the pull benchmark: Debian's `docker-registry`
// (distribution 2.8) on a free 127.0.0.1 port with its own config and storage in a temp dir,
// optionally behind TLS (a test-CA certificate), Bearer-token auth (a token server in Node,
// registry-token-server.ts) or htpasswd basic auth. Images go in with `skopeo copy`, as people
// push them. The registry's access log is kept, so a test can count the blob downloads a client
// made. stop() kills the registry (by its pid) and removes the temp dir.
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runTool } from '../fixtures/images/run-tool.ts';
import { startTokenServer } from './registry-token-server.ts';
import type { TokenServer, TokenUser } from './registry-token-server.ts';

export type { TokenUser } from './registry-token-server.ts';

export interface RegistryOptions {
  /** Serve https with this certificate (e.g. TestCa.issue({ hosts: ['127.0.0.1'] })). */
  tls?: { certPath: string; keyPath: string };
  /**
   * With tls: require a client certificate signed by `caPath` (distribution's http.tls.clientcas);
   * `cert` is the one the helper itself (readiness check, pushes) presents.
   */
  clientAuth?: { caPath: string; cert: { certPath: string; keyPath: string } };
  /** token: docker's Bearer flow with a token server; basic: htpasswd (bcrypt via perl's crypt). */
  auth?: { kind: 'token'; users: TokenUser[]; anonymousPull?: boolean } | { kind: 'basic'; users: TokenUser[] };
}

export interface AccessEntry { method: string; path: string; status: number; bytes: number; agent: string }

export interface PushOptions {
  /** Manifest type written (skopeo --format); default: the source's (OCI for an oci: layout). */
  format?: 'oci' | 'v2s2';
  /** Copy every image of an index/manifest list (skopeo --all). */
  all?: boolean;
}

export interface Registry {
  /** 127.0.0.1:PORT */
  host: string;
  port: number;
  scheme: 'http' | 'https';
  token?: TokenServer;
  /** `host/repo:tag` → `docker://host/repo:tag` as skiff takes it. */
  ref(repoRef: string): string;
  /** skopeo copy SRC docker://host/REPOREF; returns the pushed manifest's digest (sha256:…). */
  push(src: string, repoRef: string, opts?: PushOptions): Promise<string>;
  /**
   * Uploads an OCI layout's image `tag` as it is (blobs, then the manifest, byte for byte) with
   * the registry API, for what skopeo would change (it gzips uncompressed layers on push).
   * Anonymous or basic-auth registries only. Returns the manifest digest.
   */
  pushRaw(ociDir: string, tag: string, repoRef: string): Promise<string>;
  /** The access log so far (lines are written as responses complete: wait a moment after a client exits). */
  requests(): AccessEntry[];
  /** Successful GETs of blobs (layers and configs) in entries `from` onwards. */
  blobGets(from?: number): AccessEntry[];
  stop(): Promise<void>;
}

/** A port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', resolve);
  });
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

/** An htpasswd line with a bcrypt hash (perl's crypt() is libxcrypt's, which does $2b$). */
function htpasswdLine(u: TokenUser): string {
  const salt = Buffer.from(Array.from({ length: 16 }, () => Math.floor(Math.random() * 256))).toString('base64')
    .replace(/\+/g, '.').replace(/=+$/, '').slice(0, 22);
  const hash = execFileSync('perl', ['-e', 'print crypt($ARGV[0], $ARGV[1])', u.password, `$2b$05$${salt}`], { encoding: 'utf8' });
  if (!hash.startsWith('$2b$')) throw new Error(`perl crypt() did not make a bcrypt hash (${hash})`);
  return `${u.user}:${hash}`;
}

function configYaml(dir: string, port: number, opts: RegistryOptions, token: TokenServer | undefined): string {
  const lines = [
    'version: 0.1',
    'log:', '  level: info', '  formatter: text',
    'storage:', '  filesystem:', `    rootdirectory: ${path.join(dir, 'storage')}`, '  delete:', '    enabled: true',
    'http:', `  addr: 127.0.0.1:${port}`, '  secret: skiff-test-secret',
  ];
  if (opts.tls) lines.push('  tls:', `    certificate: ${opts.tls.certPath}`, `    key: ${opts.tls.keyPath}`);
  if (opts.tls && opts.clientAuth) lines.push('    clientcas:', `      - ${opts.clientAuth.caPath}`);
  if (opts.auth?.kind === 'token' && token) {
    lines.push('auth:', '  token:', `    realm: ${token.realm}`, `    service: ${token.service}`,
      `    issuer: ${token.issuer}`, `    rootcertbundle: ${token.rootCertPath}`);
  } else if (opts.auth?.kind === 'basic') {
    const file = path.join(dir, 'htpasswd');
    fs.writeFileSync(file, opts.auth.users.map(htpasswdLine).join('\n') + '\n');
    lines.push('auth:', '  htpasswd:', '    realm: skiff-test-basic', `    path: ${file}`);
  }
  return lines.join('\n') + '\n';
}

// 127.0.0.1 - - [22/Nov/2026:20:30:30 +0000] "GET /v2/ HTTP/1.1" 200 2 "" "curl/7.88.1"
const ACCESS_LINE = /^\S+ \S+ \S+ \[[^\]]+\] "(\w+) (\S+) HTTP\/[\d.]+" (\d+) (\d+|-) "[^"]*" "([^"]*)"/;

function parseAccessLog(file: string): AccessEntry[] {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').flatMap((l) => {
    const m = ACCESS_LINE.exec(l);
    return m ? [{ method: m[1]!, path: m[2]!, status: Number(m[3]), bytes: m[4] === '-' ? 0 : Number(m[4]), agent: m[5]! }] : [];
  });
}

/** Waits until GET /v2/ answers (200, or 401 behind auth). */
async function waitUntilUp(scheme: 'http' | 'https', port: number, child: ChildProcess, logFile: string, client: ClientPem): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited (${child.exitCode}): ${fs.readFileSync(logFile, 'utf8').slice(-2000)}`);
    const status = await new Promise<number>((resolve) => {
      const mod = scheme === 'https' ? https : http;
      const req = mod.get({ host: '127.0.0.1', port, path: '/v2/', rejectUnauthorized: false, timeout: 1000, ...client }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', () => resolve(0));
      req.on('timeout', () => req.destroy());
    });
    if (status === 200 || status === 401) return;
    if (Date.now() > deadline) throw new Error(`docker-registry on port ${port} did not come up: ${fs.readFileSync(logFile, 'utf8').slice(-2000)}`);
    await sleep(50);
  }
}

/** Starts docker-registry; the caller must stop() it (in `after` or `finally`). */
export async function startRegistry(opts: RegistryOptions = {}): Promise<Registry> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-registry-'));
  let token: TokenServer | undefined;
  let child: ChildProcess | undefined;
  try {
    if (opts.auth?.kind === 'token') token = await startTokenServer(dir, { users: opts.auth.users, anonymousPull: opts.auth.anonymousPull ?? false });
    const port = await freePort();
    const scheme = opts.tls ? 'https' : 'http';
    const configFile = path.join(dir, 'config.yml');
    fs.writeFileSync(configFile, configYaml(dir, port, opts, token));
    const logFile = path.join(dir, 'registry.log');
    const logFd = fs.openSync(logFile, 'a');
    child = spawn('docker-registry', ['serve', configFile], { stdio: ['ignore', logFd, logFd] });
    fs.closeSync(logFd);
    const client: ClientPem = opts.clientAuth
      ? { cert: fs.readFileSync(opts.clientAuth.cert.certPath, 'utf8'), key: fs.readFileSync(opts.clientAuth.cert.keyPath, 'utf8') }
      : {};
    await waitUntilUp(scheme, port, child, logFile, client);
    const host = `127.0.0.1:${port}`;
    const user = opts.auth?.users[0];
    // skopeo takes a client certificate as DIR/*.cert + *.key.
    const certDir = path.join(dir, 'skopeo-certs');
    if (opts.clientAuth) {
      fs.mkdirSync(certDir);
      fs.copyFileSync(opts.clientAuth.cert.certPath, path.join(certDir, 'client.cert'));
      fs.copyFileSync(opts.clientAuth.cert.keyPath, path.join(certDir, 'client.key'));
    }
    const started = child;
    const requests = (): AccessEntry[] => parseAccessLog(logFile);
    return {
      host, port, scheme, token,
      ref: (repoRef) => `docker://${host}/${repoRef}`,
      async push(src, repoRef, pushOpts = {}) {
        const digestFile = path.join(dir, `digest-${Date.now()}-${Math.random().toString(36).slice(2)}`);
        await runTool('skopeo', [
          'copy', '--quiet', '--insecure-policy', '--dest-tls-verify=false', `--digestfile=${digestFile}`,
          ...(user ? [`--dest-creds=${user.user}:${user.password}`] : []),
          ...(opts.clientAuth ? [`--dest-cert-dir=${certDir}`] : []),
          ...(pushOpts.format ? [`--format=${pushOpts.format}`] : []),
          ...(pushOpts.all ? ['--all'] : []),
          src, `docker://${host}/${repoRef}`,
        ]);
        const digest = fs.readFileSync(digestFile, 'utf8').trim();
        fs.rmSync(digestFile);
        return digest;
      },
      pushRaw: (ociDir, tag, repoRef) => uploadLayout({ scheme, host, user, client }, ociDir, tag, repoRef),
      requests,
      blobGets: (from = 0) => requests().slice(from).filter((e) => e.method === 'GET' && /\/blobs\/sha256:/.test(e.path) && e.status < 300),
      async stop() {
        await stopChild(started);
        await token?.stop();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    if (child) await stopChild(child);
    await token?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

interface ClientPem { cert?: string; key?: string }
interface Upload { scheme: 'http' | 'https'; host: string; user: TokenUser | undefined; client: ClientPem }

function send(u: Upload, method: string, target: string, body: Buffer | undefined, headers: Record<string, string>): Promise<{ status: number; location?: string; text: string }> {
  const url = new URL(target, `${u.scheme}://${u.host}`);
  const auth = u.user ? { authorization: `Basic ${Buffer.from(`${u.user.user}:${u.user.password}`).toString('base64')}` } : {};
  const mod = u.scheme === 'https' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(url, { method, rejectUnauthorized: false, ...u.client, headers: { ...headers, ...auth, 'content-length': String(body?.length ?? 0) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function uploadLayout(u: Upload, ociDir: string, tag: string, repoRef: string): Promise<string> {
  const [repo, ref] = repoRef.split(':') as [string, string];
  const blob = (d: string): Buffer => fs.readFileSync(path.join(ociDir, 'blobs', ...d.split(':')));
  const index = JSON.parse(fs.readFileSync(path.join(ociDir, 'index.json'), 'utf8')) as { manifests: { digest: string; mediaType: string; annotations?: Record<string, string> }[] };
  const desc = index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag);
  if (!desc) throw new Error(`no tag ${tag} in ${ociDir}`);
  const raw = blob(desc.digest);
  const manifest = JSON.parse(raw.toString('utf8')) as { config: { digest: string }; layers: { digest: string }[] };
  for (const d of [manifest.config.digest, ...manifest.layers.map((l) => l.digest)]) {
    const start = await send(u, 'POST', `/v2/${repo}/blobs/uploads/`, undefined, {});
    if (start.status !== 202 || !start.location) throw new Error(`upload of ${d} to ${repo} not started (${start.status}): ${start.text}`);
    const put = new URL(start.location, `${u.scheme}://${u.host}`);
    put.searchParams.set('digest', d);
    const done = await send(u, 'PUT', put.pathname + put.search, blob(d), { 'content-type': 'application/octet-stream' });
    if (done.status !== 201) throw new Error(`upload of ${d} to ${repo} failed (${done.status}): ${done.text}`);
  }
  const res = await send(u, 'PUT', `/v2/${repo}/manifests/${ref}`, raw, { 'content-type': desc.mediaType });
  if (res.status !== 201) throw new Error(`manifest ${repoRef} refused (${res.status}): ${res.text}`);
  return desc.digest;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

/** Which of docker-registry, skopeo, umoci, openssl, perl are missing, as a node:test skip value. */
export function skipUnlessRegistryTools(): string | false {
  const dirs = (process.env.PATH ?? '').split(':').filter(Boolean);
  const missing = ['docker-registry', 'skopeo', 'umoci', 'openssl', 'perl', 'zstd']
    .filter((t) => !dirs.some((d) => fs.existsSync(path.join(d, t))));
  return missing.length === 0 ? false : `needs ${missing.join(', ')} (apt-get install docker-registry skopeo umoci openssl perl zstd)`;
}
