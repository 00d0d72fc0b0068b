// Transport policy of `skiff fetch docker://…` against real docker-registry servers: plain http
// only with --insecure-options=http, registry images only with --insecure-options=image, TLS
// verified against the CAs in <config>/certs.d/HOST:PORT/ (local and system config), a client
// certificate from certs.d, --insecure-options=tls, expired and wrong-host certificates refused,
// and HTTPS_PROXY / HTTP_PROXY / NO_PROXY. Each refusal: one line, the store unchanged.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { badBlobs, expectOneErrorLine, lines, skipUnlessRootAndBuilt, storeSnapshot, tempDir } from '../../helpers/cli.ts';
import type { TempDir } from '../../helpers/cli.ts';
import { startProxy } from '../../helpers/proxy.ts';
import type { TestProxy } from '../../helpers/proxy.ts';
import { skipUnlessRegistryTools, startRegistry } from '../../helpers/registry.ts';
import type { Registry } from '../../helpers/registry.ts';
import { buildHandOci } from '../../helpers/registry-images.ts';
import { createTestCa } from '../../helpers/test-ca.ts';
import type { TestCa } from '../../helpers/test-ca.ts';
import { ok, skiffEnv } from './registry-kit.ts';
import type { SkiffEnv } from './registry-kit.ts';

const skip = skipUnlessRootAndBuilt() || skipUnlessRegistryTools();

let tmp: TempDir;
let sk: SkiffEnv;
let ca: TestCa;
let otherCa: TestCa; // signs nothing the registries use
const regs: Record<string, Registry> = {};
let proxy: TestProxy;
let image = ''; // hand-made layout, tag "small"
let digest = ''; // its manifest digest (pushed byte for byte)
let refusals = ''; // a data dir holding one image; refused pulls must leave it as it is
let n = 0;
const freshData = (): string => path.join(tmp.path, `data-${n++}`);

/** Puts a CA into <configDir>/certs.d/HOST:PORT/NAME (docker's layout). */
function trustCa(configDir: string, host: string, pem: string, name = 'ca.crt'): string {
  const dir = path.join(configDir, 'certs.d', host);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, name), pem);
  return dir;
}

async function expectRefused(ref: string, insecure: string, pattern: RegExp, env?: Record<string, string | undefined>): Promise<string> {
  const before = storeSnapshot(refusals);
  const line = expectOneErrorLine(await sk.fetch(refusals, ref, { insecure, ...(env ? { env } : {}) }), `fetch ${ref}`);
  assert.match(line, pattern);
  assert.deepEqual(storeSnapshot(refusals), before, 'the store is unchanged');
  return line;
}

/** Runs `f` with the local certs.d entry of `host` moved away (and the system one removed after). */
async function withoutLocalCa(host: string, f: () => Promise<void>): Promise<void> {
  const local = path.join(sk.local, 'certs.d', host);
  const moved = `${local}.away`;
  fs.renameSync(local, moved);
  try {
    await f();
  } finally {
    fs.rmSync(local, { recursive: true, force: true });
    fs.rmSync(path.join(sk.system, 'certs.d'), { recursive: true, force: true });
    fs.renameSync(moved, local);
  }
}

async function pullsSmall(reg: Registry, insecure: string): Promise<void> {
  const res = await sk.fetch(freshData(), reg.ref('app/small:1'), { insecure });
  assert.equal(res.code, 0, res.stderr);
  assert.deepEqual(lines(res.stdout), [digest]);
}

describe('skiff fetch docker:// over http, TLS and proxies', { skip }, () => {
  before(async () => {
    tmp = tempDir('skiff-registry-tls-');
    sk = skiffEnv(tmp.path);
    for (const d of ['ca', 'other-ca']) fs.mkdirSync(path.join(tmp.path, d));
    ca = createTestCa(path.join(tmp.path, 'ca'));
    otherCa = createTestCa(path.join(tmp.path, 'other-ca'));
    image = path.join(tmp.path, 'image');
    digest = await buildHandOci(image, 'small', [{ files: { 'etc/hello': 'hello over the wire\n' }, compression: 'gzip' }]);
    const client = ca.issue({ hosts: ['skiff-client'], client: true });
    [regs.http, regs.tls, regs.expired, regs.wrongHost, regs.mtls] = await Promise.all([
      startRegistry(),
      startRegistry({ tls: ca.issue({ hosts: ['127.0.0.1', 'localhost'] }) }),
      startRegistry({ tls: ca.issue({ hosts: ['127.0.0.1'], expired: true }) }),
      startRegistry({ tls: ca.issue({ hosts: ['registry.example.test'] }) }),
      startRegistry({ tls: ca.issue({ hosts: ['127.0.0.1'] }), clientAuth: { caPath: ca.caCertPath, cert: client } }),
    ]);
    for (const r of [regs.http!, regs.tls!, regs.mtls!]) assert.equal(await r.pushRaw(image, 'small', 'app/small:1'), digest);
    trustCa(sk.local, regs.tls!.host, ca.caCertPem);
    for (const r of [regs.expired!, regs.wrongHost!]) trustCa(sk.local, r.host, ca.caCertPem);
    const mtlsDir = trustCa(sk.local, regs.mtls!.host, ca.caCertPem);
    fs.copyFileSync(client.certPath, path.join(mtlsDir, 'client.cert'));
    fs.copyFileSync(client.keyPath, path.join(mtlsDir, 'client.key'));
    proxy = await startProxy();
    refusals = freshData();
    ok(await sk.fetch(refusals, regs.http!.ref('app/small:1')), 'priming the refusals store');
  });
  after(async () => {
    await proxy?.stop();
    await Promise.all(Object.values(regs).map((r) => r.stop()));
    tmp?.cleanup();
  });

  it('refuses plain http without --insecure-options=http, saying how to allow it', async () => {
    await expectRefused(regs.http!.ref('app/small:1'), 'image', /--insecure-options=http/);
  });

  it('refuses a registry image without --insecure-options=image, saying its digests are still checked', async () => {
    const line = await expectRefused(regs.http!.ref('app/small:1'), 'http', /--insecure-options=image/);
    assert.match(line, /digest/);
  });

  it('pulls over TLS with the test CA in <local-config>/certs.d/HOST:PORT/', async () => {
    const data = freshData();
    const res = await sk.fetch(data, regs.tls!.ref('app/small:1'), { insecure: 'image' });
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(lines(res.stdout), [digest]);
    assert.deepEqual(badBlobs(data), []);
  });

  it('takes the CA from <system-config>/certs.d as well', async () => {
    const tls = regs.tls!;
    await withoutLocalCa(tls.host, async () => {
      trustCa(sk.system, tls.host, ca.caCertPem);
      await pullsSmall(tls, 'image');
    });
  });

  it('refuses TLS it cannot verify in one line; --insecure-options=tls pulls anyway', async () => {
    const tls = regs.tls!;
    await withoutLocalCa(tls.host, async () => {
      // A CA that did not sign the registry's certificate does not help.
      trustCa(sk.local, tls.host, otherCa.caCertPem);
      await expectRefused(tls.ref('app/small:1'), 'image', /certificate|TLS|verif/i);
      await pullsSmall(tls, 'image,tls');
    });
  });

  it('with --insecure-options=http as well, a TLS registry is still verified: its CA pulls, an unknown CA is refused', async () => {
    const tls = regs.tls!;
    await pullsSmall(tls, 'image,http');
    await withoutLocalCa(tls.host, async () => {
      trustCa(sk.local, tls.host, otherCa.caCertPem);
      await expectRefused(tls.ref('app/small:1'), 'image,http', /cannot trust .*unknown CA/);
    });
    await expectRefused(regs.expired!.ref('app/small:1'), 'image,http', /expired/i);
  });

  it('refuses an expired certificate', async () => {
    await expectRefused(regs.expired!.ref('app/small:1'), 'image', /expired/i);
  });

  it('refuses a certificate for another host', async () => {
    await expectRefused(regs.wrongHost!.ref('app/small:1'), 'image', /127\.0\.0\.1|host|name/i);
  });

  it('presents the client certificate from certs.d to a registry that demands one', async () => {
    const mtls = regs.mtls!;
    await pullsSmall(mtls, 'image');
    const dir = path.join(sk.local, 'certs.d', mtls.host);
    const keep = fs.readFileSync(path.join(dir, 'client.cert'));
    fs.rmSync(path.join(dir, 'client.cert'));
    try {
      await expectRefused(mtls.ref('app/small:1'), 'image', /certificate|TLS|handshake|connection/i);
      // A registry that speaks TLS is not asked in plain http instead, even when that is allowed.
      const line = await expectRefused(mtls.ref('app/small:1'), 'image,http', /certificate|TLS|handshake|connection/i);
      assert.doesNotMatch(line, /HTTP 400/);
    } finally {
      fs.writeFileSync(path.join(dir, 'client.cert'), keep);
    }
  });

  it('goes through HTTPS_PROXY (a CONNECT tunnel to the registry); NO_PROXY=127.0.0.1 bypasses it', async () => {
    const tls = regs.tls!;
    const mark = proxy.seen.length;
    const res = await sk.fetch(freshData(), tls.ref('app/small:1'), { insecure: 'image', env: { HTTPS_PROXY: proxy.url } });
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(lines(res.stdout), [digest]);
    const tunnels = proxy.seen.slice(mark);
    assert.ok(tunnels.length > 0, 'the proxy saw the pull');
    assert.ok(tunnels.every((t) => t.kind === 'connect' && t.target === tls.host), JSON.stringify(tunnels));

    const bypass = proxy.seen.length;
    const direct = await sk.fetch(freshData(), tls.ref('app/small:1'), { insecure: 'image', env: { HTTPS_PROXY: proxy.url, NO_PROXY: '127.0.0.1' } });
    assert.equal(direct.code, 0, direct.stderr);
    assert.deepEqual(proxy.seen.slice(bypass), [], 'NO_PROXY kept it away from the proxy');
  });

  it('sends plain http through HTTP_PROXY', async () => {
    const http = regs.http!;
    const mark = proxy.seen.length;
    const res = await sk.fetch(freshData(), http.ref('app/small:1'), { env: { HTTP_PROXY: proxy.url } });
    assert.equal(res.code, 0, res.stderr);
    const seen = proxy.seen.slice(mark);
    assert.ok(seen.length > 0 && seen.every((s) => s.kind === 'forward' && s.target.startsWith(`http://${http.host}/v2/`)), JSON.stringify(seen));
  });

  it('refuses a proxy that is not there, in one line', async () => {
    await expectRefused(regs.tls!.ref('app/small:1'), 'image', /proxy|connect|refused/i, { HTTPS_PROXY: 'http://127.0.0.1:1' });
  });
});
