// Which scheme a registry session settles on, against in-process registries on 127.0.0.1 that
// answer GET /v2/: plain http only with --insecure-options=http and only for a host that does
// not speak TLS; a TLS host verified as strictly with http allowed as without (an unknown CA
// refused, a connection dropped after the handshake never retried in plain http). The default
// CA set is injected and counted: a plain http registry must not cost it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo, Server } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_LIMITS, parseInsecureOptions, type Ctx } from '../../../../../common/context.ts';
import * as layout from '../../../../../common/layout.ts';
import { createSilentLogger } from '../../../../../common/log.ts';
import { createHttpClient } from '../../../../../store/remote/http/client.ts';
import { parseRegistryReference } from '../../../../../store/remote/registry/reference.ts';
import { openRegistrySession } from '../../../../../store/remote/registry/session.ts';
import { startProxy, type TestProxy } from '../../../../helpers/proxy.ts';
import { createTestCa, skipUnlessOpenssl, type TestCa } from '../../../../helpers/test-ca.ts';

const noOpenssl = skipUnlessOpenssl();

const v2 = (req: http.IncomingMessage, res: http.ServerResponse): void => {
  if (req.url === '/v2/') res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  else res.writeHead(404).end();
};

describe('registry session scheme', { skip: noOpenssl }, () => {
  let dir: string;
  let config: { local: string; system: string };
  let ca: TestCa;
  let otherCa: TestCa;
  let plain: http.Server;
  let trusted: https.Server; // its CA in certs.d
  let untrusted: https.Server; // signed by a CA nothing trusts
  let dropper: https.Server; // completes the handshake, then hangs up on every request
  const dropperPlainRequests: string[] = []; // what OpenSSL says of plain http sent to it
  let proxy: TestProxy;
  const hostOf = (s: Server): string => `127.0.0.1:${(s.address() as AddressInfo).port}`;
  const listen = async <S extends Server>(s: S): Promise<S> => {
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    return s;
  };

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-session-'));
    config = { local: path.join(dir, 'local'), system: path.join(dir, 'system') };
    for (const d of ['ca', 'other-ca']) fs.mkdirSync(path.join(dir, d));
    ca = createTestCa(path.join(dir, 'ca'));
    otherCa = createTestCa(path.join(dir, 'other-ca'));
    const cert = ca.issue({ hosts: ['127.0.0.1'] });
    const otherCert = otherCa.issue({ hosts: ['127.0.0.1'] });
    plain = await listen(http.createServer(v2));
    trusted = await listen(https.createServer({ cert: cert.certPem, key: cert.keyPem }, v2));
    untrusted = await listen(https.createServer({ cert: otherCert.certPem, key: otherCert.keyPem }, v2));
    dropper = await listen(https.createServer({ cert: cert.certPem, key: cert.keyPem }, (req) => req.socket.destroy()));
    dropper.on('tlsClientError', (err) => {
      if (/http request/i.test(err.message)) dropperPlainRequests.push(err.message);
    });
    for (const s of [trusted, dropper]) {
      const certs = layout.hostCertsDir(config.local, hostOf(s));
      fs.mkdirSync(certs, { recursive: true });
      fs.writeFileSync(path.join(certs, 'ca.crt'), ca.caCertPem);
    }
    proxy = await startProxy();
  });
  after(async () => {
    await proxy.stop();
    for (const s of [plain, trusted, untrusted, dropper]) {
      s.close();
      s.closeAllConnections();
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Opens a session to `server` and reports its base URL and how often the default CA set was read. */
  async function open(server: Server, insecure: string, env: Record<string, string> = {}): Promise<{ base: string; casRead: number }> {
    let casRead = 0;
    const ctx: Ctx = {
      dataDir: path.join(dir, 'data'),
      config,
      log: await createSilentLogger(),
      host: undefined as never,
      insecure: parseInsecureOptions(insecure),
      limits: DEFAULT_LIMITS,
    };
    using client = createHttpClient(ctx, {
      env,
      loadDefaultCas: () => {
        casRead++;
        return [];
      },
    });
    const session = await openRegistrySession(ctx, client, parseRegistryReference(`${hostOf(server)}/app:1`), undefined);
    return { base: session.base, casRead };
  }

  test('http allowed, a plain http registry: plain http, and no CA set is built', async () => {
    assert.deepEqual(await open(plain, 'http'), { base: `http://${hostOf(plain)}`, casRead: 0 });
  });

  test('http allowed, a TLS registry: verified https', async () => {
    assert.deepEqual(await open(trusted, 'http'), { base: `https://${hostOf(trusted)}`, casRead: 1 });
  });

  test('http allowed, a TLS registry of an unknown CA: refused, not asked in plain http', async () => {
    await assert.rejects(open(untrusted, 'http'), { code: 'TLS', message: `cannot trust ${hostOf(untrusted)}: its TLS certificate is signed by an unknown CA` });
  });

  test('http allowed, a TLS registry that hangs up after the handshake: never asked in plain http', async () => {
    await assert.rejects(open(dropper, 'http'), { code: 'NETWORK', message: new RegExp(`^(cannot reach )?${hostOf(dropper)}.*(reset|closed the connection)`) });
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(dropperPlainRequests, []);
  });

  test('http not allowed: a plain http registry is refused as before', async () => {
    await assert.rejects(open(plain, ''), (err: Error & { code?: string; hint?: string }) => {
      assert.equal(err.code, 'TLS');
      assert.equal(err.message, `cannot talk TLS to ${hostOf(plain)}: it does not answer in TLS`);
      assert.match(err.hint ?? '', /--insecure-options=http/);
      return true;
    });
    assert.deepEqual(await open(trusted, ''), { base: `https://${hostOf(trusted)}`, casRead: 1 });
  });

  test('--insecure-options=tls: an unknown CA is let through, and no CA set is built for nothing', async () => {
    assert.deepEqual(await open(untrusted, 'tls'), { base: `https://${hostOf(untrusted)}`, casRead: 0 });
    assert.deepEqual(await open(untrusted, 'tls,http'), { base: `https://${hostOf(untrusted)}`, casRead: 0 });
  });

  test('through HTTPS_PROXY there is no probe: the https ping finds plain http as before', async () => {
    const mark = proxy.seen.length;
    const { base } = await open(plain, 'http', { HTTPS_PROXY: proxy.url });
    assert.equal(base, `http://${hostOf(plain)}`);
    assert.deepEqual(proxy.seen.slice(mark), [{ kind: 'connect', target: hostOf(plain) }], 'the ClientHello went through the proxy');
  });
});
