// The HTTP transport against an in-process server on 127.0.0.1: redirects, the http policy,
// Authorization across hosts, size limits, resumed bodies. Pure helpers are tested directly.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_LIMITS, parseInsecureOptions, type Ctx } from '../../../../../common/context.ts';
import { createSilentLogger } from '../../../../../common/log.ts';
import { createHttpClient, type HttpClient } from '../../../../../store/remote/http/client.ts';
import { describeNetworkError, saysNotTls } from '../../../../../store/remote/http/network-error.ts';
import { redactUrl } from '../../../../../store/remote/http/redact.ts';
import { contentRangeStart, createResumableBody } from '../../../../../store/remote/http/resumable-body.ts';

async function testCtx(insecure: string): Promise<Ctx> {
  return {
    dataDir: '/nonexistent',
    config: { local: '/nonexistent/local', system: '/nonexistent/system' },
    log: await createSilentLogger(),
    host: undefined as never,
    insecure: parseInsecureOptions(insecure),
    limits: DEFAULT_LIMITS,
  };
}

const BLOB = Buffer.alloc(300_000, 7);
for (let i = 0; i < BLOB.length; i++) BLOB[i] = (i * 31) & 0xff;

describe('http client', () => {
  let server: http.Server;
  let base: string;
  let client: HttpClient;
  const seenAuth: (string | undefined)[] = [];
  let drops = 0;

  before(async () => {
    server = http.createServer((req, res) => {
      const url = req.url ?? '/';
      if (url === '/loop') return void res.writeHead(302, { location: '/loop2' }).end();
      if (url === '/loop2') return void res.writeHead(302, { location: '/loop' }).end();
      if (url === '/to-other') return void res.writeHead(307, { location: `http://localhost:${(server.address() as AddressInfo).port}/auth` }).end();
      if (url === '/auth') {
        seenAuth.push(req.headers.authorization);
        return void res.end('ok');
      }
      if (url === '/big') return void res.writeHead(200, { 'content-length': '100000' }).end(Buffer.alloc(100000));
      if (url === '/blob') {
        // The first two answers break off half-way; Range requests are honoured.
        const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
        const start = range ? Number(range[1]) : 0;
        const body = BLOB.subarray(start);
        res.writeHead(range ? 206 : 200, {
          'content-length': String(body.length),
          etag: '"v1"',
          ...(range ? { 'content-range': `bytes ${start}-${BLOB.length - 1}/${BLOB.length}` } : {}),
        });
        if (drops < 2) {
          drops++;
          res.write(body.subarray(0, 50_000), () => res.destroy());
          return;
        }
        return void res.end(body);
      }
      if (url === '/short') return void res.writeHead(200, { 'content-length': '10' }).end('0123456789');
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    client = createHttpClient(await testCtx('http'), { env: {} });
  });

  after(() => {
    client.close();
    server.close();
  });

  test('refuses plain http without --insecure-options=http', async () => {
    const strict = createHttpClient(await testCtx(''), { env: {} });
    await assert.rejects(strict.request({ url: `${base}/auth`, what: 'the thing' }), {
      code: 'IMAGE_INSECURE',
      message: `the thing: refusing plain http to ${base.slice(7)}`,
    });
  });

  test('a redirect loop is one clear error', async () => {
    await assert.rejects(client.request({ url: `${base}/loop`, what: 'x' }), { code: 'HTTP_STATUS', message: /redirects in a loop/ });
  });

  test('Authorization is not sent to another host after a redirect', async () => {
    seenAuth.length = 0;
    const res = await client.request({ url: `${base}/to-other`, what: 'x', headers: { Authorization: 'Bearer s3cret' } });
    assert.equal(await res.text(100), 'ok');
    assert.deepEqual(seenAuth, [undefined]);
    const same = await client.request({ url: `${base}/auth`, what: 'x', headers: { Authorization: 'Bearer s3cret' } });
    same.discard();
    assert.deepEqual(seenAuth, [undefined, 'Bearer s3cret']);
  });

  test('a body over the limit is refused from its Content-Length', async () => {
    const res = await client.request({ url: `${base}/big`, what: 'the manifest' });
    await assert.rejects(res.bytes(1000), { code: 'ARCHIVE_TOO_LARGE', message: 'the manifest is larger than 1000 bytes' });
  });

  test('connection refused names the host', async () => {
    const port = (server.address() as AddressInfo).port;
    const dead = http.createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const deadPort = (dead.address() as AddressInfo).port;
    await new Promise((r) => dead.close(r));
    assert.notEqual(port, deadPort);
    await assert.rejects(client.request({ url: `http://127.0.0.1:${deadPort}/v2/`, what: 'x' }), {
      code: 'NETWORK',
      message: `cannot reach 127.0.0.1:${deadPort}: connection refused`,
    });
  });

  test('a dropped body is resumed with Range requests', async () => {
    drops = 0;
    const request = { url: `${base}/blob`, what: 'the blob' };
    const first = await client.request(request);
    const offsets: number[] = [];
    const body = createResumableBody({ client, request, first, expectedSize: BLOB.length, onResume: (n) => offsets.push(n) });
    const chunks: Buffer[] = [];
    for await (const c of body) chunks.push(c as Buffer);
    assert.ok(Buffer.concat(chunks).equals(BLOB));
    assert.equal(offsets.length, 2);
    assert.equal(offsets[0], 50_000);
  });

  test('a body longer than promised is refused, a short one resumed then refused', async () => {
    const request = { url: `${base}/short`, what: 'the blob' };
    const long = createResumableBody({ client, request, first: await client.request(request), expectedSize: 5 });
    await assert.rejects(async () => {
      for await (const _ of long);
    }, { code: 'DIGEST_MISMATCH', message: 'the blob is longer than the 5 bytes promised' });
    const short = createResumableBody({ client, request, first: await client.request(request), expectedSize: 20, maxResumes: 1 });
    await assert.rejects(async () => {
      for await (const _ of short);
    }, { code: 'NETWORK', message: /^the blob was cut short after 10 of 20 bytes/ });
  });
});

describe('http helpers', () => {
  test('redactUrl hides credentials and signed query values', () => {
    assert.equal(redactUrl('https://u:p@h/x?X-Amz-Signature=abc&part=1&token=t'), 'https://…:…@h/x?X-Amz-Signature=…&part=1&token=…');
  });

  test('contentRangeStart', () => {
    assert.equal(contentRangeStart('bytes 100-199/200'), 100);
    assert.equal(contentRangeStart('bytes 0-1/*'), 0);
    assert.equal(contentRangeStart(undefined), undefined);
    assert.equal(contentRangeStart('items 1-2/3'), undefined);
  });

  test('describeNetworkError maps TLS and socket failures to one line', () => {
    const e = (code: string, message = code) => Object.assign(new Error(message), { code });
    assert.equal(describeNetworkError(e('ECONNREFUSED'), 'r:5000', 5000, '/c').message, 'cannot reach r:5000: connection refused');
    const viaProxy = Object.assign(e('ECONNREFUSED'), { address: '10.0.0.1', port: 3128 });
    assert.equal(describeNetworkError(viaProxy, 'r', 443, '/c').message, 'cannot reach r through the proxy 10.0.0.1:3128: connection refused');
    assert.equal(describeNetworkError(Object.assign(e('ECONNREFUSED'), { address: '10.0.0.2', port: 443 }), 'r', 443, '/c').message, 'cannot reach r: connection refused');
    const expired = describeNetworkError(e('CERT_HAS_EXPIRED'), 'r:5000', 5000, '/etc/skiff/certs.d/r:5000');
    assert.equal(expired.code, 'TLS');
    assert.equal(expired.message, 'cannot trust r:5000: its TLS certificate has expired');
    assert.match(expired.hint ?? '', /server must present a valid certificate.*--insecure-options=tls/, 'a CA in certs.d would not help');
    const unknown = describeNetworkError(e('UNABLE_TO_VERIFY_LEAF_SIGNATURE'), 'r:5000', 5000, '/etc/skiff/certs.d/r:5000');
    assert.match(unknown.hint ?? '', /certs\.d\/r:5000\/ca\.crt.*--insecure-options=tls/);
    assert.equal(describeNetworkError(e('ERR_TLS_CERT_ALTNAME_INVALID'), 'r', 443, '/c').message, 'cannot trust r: its TLS certificate is for another host name');
    assert.match(describeNetworkError(e('ERR_SSL_WRONG_VERSION_NUMBER', 'wrong version number'), 'r', 443, '/c').hint ?? '', /--insecure-options=http/);
  });

  test('saysNotTls: an answer that is no TLS record, or a connection dropped at the ClientHello; never a certificate', () => {
    const e = (code: string, message = code) => Object.assign(new Error(message), { code });
    const notTls = [
      e('ERR_SSL_WRONG_VERSION_NUMBER', 'ssl3_get_record:wrong version number'),
      e('ERR_SSL_PACKET_LENGTH_TOO_LONG', 'packet length too long'),
      e('EPROTO'),
      e('ECONNRESET', 'Client network socket disconnected before secure TLS connection was established'),
      e('ECONNABORTED'),
      new Error('socket hang up'),
    ];
    for (const err of notTls) {
      assert.equal(saysNotTls(err), true, err.message);
      assert.equal(saysNotTls(describeNetworkError(err, 'r', 443, '/c')), true, `${err.message}, described`);
    }
    const tls = [e('UNABLE_TO_VERIFY_LEAF_SIGNATURE'), e('CERT_HAS_EXPIRED'), e('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'alert certificate required'), e('ECONNREFUSED'), e('ETIMEDOUT')];
    for (const err of tls) {
      assert.equal(saysNotTls(err), false, err.message);
      assert.equal(saysNotTls(describeNetworkError(err, 'r', 443, '/c')), false, `${err.message}, described`);
    }
  });
});
