// The TLS probe against in-process servers on 127.0.0.1: a plain http server, a TLS server (one
// that wants a client certificate too), servers that hang up or stay silent, a closed port.
// What the probe sends is recorded: a ClientHello and nothing else, never a request.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { mayUseProxy } from '../../../../../store/remote/http/client.ts';
import { probeTls, type TlsProbeVerdict } from '../../../../../store/remote/http/tls-probe.ts';
import { createTestCa, skipUnlessOpenssl, type IssuedCert, type TestCa } from '../../../../helpers/test-ca.ts';

const noOpenssl = skipUnlessOpenssl();

const portOf = (s: net.Server): number => (s.address() as AddressInfo).port;
const listen = async <S extends net.Server>(s: S): Promise<S> => {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return s;
};
const probe = (port: number, answerTimeoutMs = 5000): Promise<TlsProbeVerdict> =>
  probeTls({ host: '127.0.0.1', port, connectTimeoutMs: 5000, answerTimeoutMs });

describe('probeTls', () => {
  const servers: net.Server[] = [];
  const serve = async <S extends net.Server>(s: S): Promise<S> => {
    servers.push(s);
    return listen(s);
  };
  after(() => {
    for (const s of servers) {
      s.close();
      (s as Partial<http.Server>).closeAllConnections?.();
    }
  });

  test('a plain http server is plain, and sees no request', async () => {
    let requests = 0;
    const server = await serve(http.createServer((_req, res) => {
      requests++;
      res.end('ok');
    }));
    assert.equal(await probe(portOf(server)), 'plain');
    assert.equal(requests, 0);
  });

  test('a server that hangs up at the ClientHello is plain', async () => {
    const server = await serve(net.createServer((s) => s.destroy()));
    assert.equal(await probe(portOf(server)), 'plain');
  });

  test('what it sends is one TLS handshake record, then the connection ends', async () => {
    const received: Buffer[] = [];
    const ended = Promise.withResolvers<void>();
    const server = await serve(net.createServer((s) => {
      s.on('data', (d) => received.push(d));
      s.on('close', () => ended.resolve());
      s.on('error', () => undefined);
      // A plain http server's answer to bytes it cannot parse.
      s.write('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    }));
    assert.equal(await probe(portOf(server)), 'plain');
    await ended.promise;
    const bytes = Buffer.concat(received);
    assert.equal(bytes[0], 0x16, 'a handshake record');
    assert.equal(bytes.length, 5 + bytes.readUInt16BE(3), 'that record and nothing more');
  });

  test('a closed port is an error, not a verdict', async () => {
    const server = await listen(net.createServer());
    const port = portOf(server);
    await new Promise((r) => server.close(r));
    await assert.rejects(probe(port), { code: 'ECONNREFUSED' });
  });

  test('a server that says nothing times out', async () => {
    const server = await serve(net.createServer((s) => s.on('error', () => undefined)));
    await assert.rejects(probe(portOf(server), 200), { code: 'ETIMEDOUT' });
  });

  describe('TLS servers', { skip: noOpenssl }, () => {
    let dir: string;
    let ca: TestCa;
    let cert: IssuedCert;
    before(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-tls-probe-'));
      ca = createTestCa(dir);
      cert = ca.issue({ hosts: ['127.0.0.1'] });
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    test('a TLS server is tls, though nothing trusts its CA, and sees no request', async () => {
      const seen: string[] = [];
      const server = await serve(tls.createServer({ cert: cert.certPem, key: cert.keyPem }, (s) => {
        s.on('data', (d) => seen.push(d.toString()));
        s.on('error', () => undefined);
      }));
      assert.equal(await probe(portOf(server)), 'tls');
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(seen, [], 'no application data');
    });

    test('a TLS server that demands a client certificate is tls', async () => {
      const server = await serve(tls.createServer({ cert: cert.certPem, key: cert.keyPem, ca: [ca.caCertPem], requestCert: true, rejectUnauthorized: true }));
      server.on('tlsClientError', () => undefined);
      assert.equal(await probe(portOf(server)), 'tls');
    });
  });
});

test('mayUseProxy: only an https proxy not bypassed outright by NO_PROXY', () => {
  const u = new URL('https://reg.example:5000/v2/');
  assert.equal(mayUseProxy({}, u), false);
  assert.equal(mayUseProxy({ HTTP_PROXY: 'http://p:3128' }, u), false, 'https does not use HTTP_PROXY');
  assert.equal(mayUseProxy({ HTTPS_PROXY: 'http://p:3128' }, u), true);
  assert.equal(mayUseProxy({ https_proxy: 'http://p:3128' }, u), true);
  for (const bypass of ['*', 'reg.example', 'REG.example', 'other, reg.example:5000']) {
    assert.equal(mayUseProxy({ HTTPS_PROXY: 'http://p:3128', NO_PROXY: bypass }, u), false, bypass);
  }
  // Node bypasses these too, but erring towards the proxy only skips the probe.
  assert.equal(mayUseProxy({ HTTPS_PROXY: 'http://p:3128', NO_PROXY: '.example' }, u), true);
  assert.equal(mayUseProxy({ HTTPS_PROXY: 'http://p:3128', NO_PROXY: 'reg.example:443' }, u), true);
  // Node reads no_proxy before NO_PROXY.
  assert.equal(mayUseProxy({ HTTPS_PROXY: 'http://p:3128', no_proxy: 'x', NO_PROXY: '*' }, u), true);
  assert.equal(mayUseProxy({ HTTPS_PROXY: 'http://p:3128', NO_PROXY: '::1' }, new URL('https://[::1]:5000/')), false);
});
