// `skiff fetch https://…/x.aci`: the ACI and x.aci.asc from an HTTPS server with a test CA,
// the signature checked against the trusted keys, rkt's remote cache (ETag → 304, max-age →
// no request at all), --pull-policy, and each refusal as one line with nothing stored.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { expectOneErrorLine, lines, readImageRecords, storeSnapshot } from '../../helpers/cli.ts';
import { startWebServer } from '../../helpers/aci-server.ts';
import type { WebServer } from '../../helpers/aci-server.ts';
import { FLY, podDataDir, skipUnlessPods } from '../pods/pod-helpers.ts';
import { createRemoteKit, skipUnlessRemoteKit } from './remote-aci-kit.ts';
import type { RemoteKit, SignedAci } from './remote-aci-kit.ts';

const skip = skipUnlessRemoteKit();
const NAME = 'example.com/remote-app';

function sha512OfGunzipped(file: string): string {
  const out = spawnSync('gzip', ['-dc', file], { maxBuffer: 1 << 30 });
  return createHash('sha512').update(out.stdout).digest('hex');
}

let kit: RemoteKit;
let server: WebServer;
let aci: SignedAci;
let other: SignedAci;
let n = 0;
const dataDir = (): string => path.join(kit.tmp.path, `data-${n++}`);

describe('skiff fetch https://…/x.aci', { skip }, () => {
  before(async () => {
    kit = await createRemoteKit('skiff-aci-https-');
    const cert = kit.ca.issue({ hosts: ['127.0.0.1'] });
    server = await startWebServer({ tls: cert });
    kit.trustCaFor(`127.0.0.1:${server.port}`);
    await kit.trust('example.com');
    aci = await kit.signedAci(path.join(kit.tmp.path, 'app.aci'), { name: NAME, version: '1.0.0' });
    other = await kit.signedAci(path.join(kit.tmp.path, 'other.aci'), { name: NAME, version: '2.0.0' });
    server.routes.set('/app.aci', { file: aci.file, etag: '"v1"' });
    server.routes.set('/app.aci.asc', { file: aci.asc });
  });
  after(async () => {
    await server?.close();
    kit?.[Symbol.dispose]();
  });

  it('downloads, verifies and imports a signed ACI; the ID is the sha512 of its tar', async () => {
    const data = dataDir();
    const res = await kit.skiff(data, ['fetch', `${server.origin}/app.aci`]);
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(lines(res.stdout), [`sha512-${sha512OfGunzipped(aci.file)}`]);
    const [rec] = readImageRecords(data);
    assert.equal(rec?.name, NAME);
    assert.equal(rec?.source, `${server.origin}/app.aci`);
    // Nothing is left in the download area.
    assert.deepEqual(fs.readdirSync(path.join(data, 'cas', 'tmp')), []);
  });

  it('asks again with If-None-Match: a 304 uses the stored image without the signature or the body', async () => {
    const data = dataDir();
    const url = `${server.origin}/app.aci`;
    const first = await kit.skiff(data, ['fetch', url]);
    assert.equal(first.code, 0, first.stderr);
    const before = server.log.length;
    const again = await kit.skiff(data, ['fetch', url]);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(lines(again.stdout), lines(first.stdout));
    const asked = server.log.slice(before);
    assert.deepEqual(asked.map((r) => [r.url, r.status, r.headers['if-none-match']]), [['/app.aci', 304, '"v1"']]);
  });

  it('within Cache-Control max-age it asks nothing at all; a changed ETag after that is downloaded', async () => {
    const data = dataDir();
    server.routes.set('/cached.aci', { file: aci.file, etag: '"c1"', cacheControl: 'max-age=3600' });
    server.routes.set('/cached.aci.asc', { file: aci.asc });
    const url = `${server.origin}/cached.aci`;
    assert.equal((await kit.skiff(data, ['fetch', url])).code, 0);
    const before = server.log.length;
    const again = await kit.skiff(data, ['fetch', url]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(server.log.length, before, 'no request within max-age');
    // The server's image changed and it no longer lets clients cache it.
    server.routes.set('/stale.aci', { file: aci.file, etag: '"s1"', cacheControl: 'no-cache' });
    server.routes.set('/stale.aci.asc', { file: aci.asc });
    const staleUrl = `${server.origin}/stale.aci`;
    assert.equal((await kit.skiff(data, ['fetch', staleUrl])).code, 0);
    server.routes.set('/stale.aci', { file: other.file, etag: '"s2"' });
    server.routes.set('/stale.aci.asc', { file: other.asc });
    const changed = await kit.skiff(data, ['fetch', staleUrl]);
    assert.equal(changed.code, 0, changed.stderr);
    assert.deepEqual(lines(changed.stdout), [`sha512-${sha512OfGunzipped(other.file)}`]);
  });

  it('--pull-policy: never uses the store only, new uses the cache record without asking, update asks', async () => {
    const data = dataDir();
    const url = `${server.origin}/app.aci`;
    const never = await kit.skiff(data, ['fetch', '--pull-policy=never', url]);
    assert.match(expectOneErrorLine(never), /no image https:\/\/127\.0\.0\.1:\d+\/app\.aci in the store and --pull-policy=never/);
    const first = await kit.skiff(data, ['fetch', '--pull-policy=new', url]);
    assert.equal(first.code, 0, first.stderr);
    const before = server.log.length;
    for (const policy of ['new', 'never']) {
      const res = await kit.skiff(data, ['fetch', `--pull-policy=${policy}`, url]);
      assert.deepEqual(lines(res.stdout), lines(first.stdout), res.stderr);
    }
    assert.equal(server.log.length, before, 'new and never did not ask the server');
    assert.equal((await kit.skiff(data, ['fetch', '--pull-policy=update', url])).code, 0);
    assert.equal(server.log.length, before + 1);
  });

  it('prepare fetches a missing URL (new), then uses it without asking; --pull-policy=update revalidates', async (t) => {
    const podsSkip = skipUnlessPods();
    if (podsSkip) return t.skip(podsSkip);
    using data = podDataDir();
    const url = `${server.origin}/app.aci`;
    const start = server.log.length;
    const prepare = async (...args: string[]): Promise<void> => {
      const res = await kit.skiff(data.path, ['prepare', FLY, ...args, url]);
      assert.equal(res.code, 0, res.stderr);
    };
    await prepare();
    assert.deepEqual(server.log.slice(start).map((r) => [r.url, r.status]), [['/app.aci', 200], ['/app.aci.asc', 200]]);
    await prepare();
    assert.equal(server.log.length, start + 2, 'new: no request for a stored URL');
    await prepare('--pull-policy=update');
    assert.deepEqual(server.log.slice(start + 2).map((r) => [r.url, r.status]), [['/app.aci', 304]]);
  });

  it('refuses a signature by an untrusted key, naming the trust command; nothing is stored', async () => {
    const data = dataDir();
    const stranger = await kit.gpg.genKey('Stranger <stranger@example.org>', 'rsa');
    const signed = await kit.signedAci(path.join(kit.tmp.path, 'stranger.aci'), { name: NAME, version: '3.0.0' }, stranger);
    server.routes.set('/stranger.aci', { file: signed.file });
    server.routes.set('/stranger.aci.asc', { file: signed.asc });
    const res = await kit.skiff(data, ['fetch', `${server.origin}/stranger.aci`]);
    const line = expectOneErrorLine(res);
    assert.match(line, new RegExp(`signed by key ${stranger}, which is not trusted for ${NAME}`));
    assert.match(line, /skiff trust --prefix example\.com\/remote-app/);
    assert.deepEqual(readImageRecords(data), []);
    assert.deepEqual(fs.readdirSync(path.join(data, 'cas', 'tmp')), []);
  });

  it('refuses a tampered image, and one without a signature naming the URL it tried', async () => {
    const data = dataDir();
    server.routes.set('/tampered.aci', { file: other.file });
    server.routes.set('/tampered.aci.asc', { file: aci.asc });
    assert.match(expectOneErrorLine(await kit.skiff(data, ['fetch', `${server.origin}/tampered.aci`])), /signature of .*tampered\.aci does not verify/);
    server.routes.set('/unsigned.aci', { file: aci.file });
    const missing = expectOneErrorLine(await kit.skiff(data, ['fetch', `${server.origin}/unsigned.aci`]));
    assert.match(missing, new RegExp(`no signature at ${server.origin.replace(/\./g, '\\.')}/unsigned\\.aci\\.asc \\(HTTP 404\\)`));
    assert.deepEqual(storeSnapshot(data).filter((p) => p.startsWith('images/') || p.startsWith('remote/')), ['images/']);
    // --insecure-options=image takes it unverified, and says so.
    const insecure = await kit.skiff(data, ['--insecure-options=image', 'fetch', `${server.origin}/unsigned.aci`]);
    assert.equal(insecure.code, 0, insecure.stderr);
    assert.match(insecure.stderr, /signature not checked/);
  });

  it('a 404 for the image is one line naming the URL', async () => {
    const res = await kit.skiff(dataDir(), ['fetch', `${server.origin}/nope.aci`]);
    assert.match(expectOneErrorLine(res), /nope\.aci: not found \(HTTP 404\)/);
  });

  it('sends auth.d basic credentials to the host they are for', async () => {
    const data = dataDir();
    server.routes.set('/private.aci', { file: aci.file, basicAuth: 'alice:s3cret' });
    server.routes.set('/private.aci.asc', { file: aci.asc, basicAuth: 'alice:s3cret' });
    const denied = await kit.skiff(data, ['fetch', `${server.origin}/private.aci`]);
    assert.match(expectOneErrorLine(denied), /access denied \(HTTP 401\)/);
    const authDir = path.join(kit.localConfig, 'auth.d');
    fs.mkdirSync(authDir, { recursive: true });
    fs.writeFileSync(path.join(authDir, 'test.json'), JSON.stringify({
      skiffKind: 'auth', skiffVersion: 'v1', domains: [`127.0.0.1:${server.port}`], type: 'basic', credentials: { user: 'alice', password: 's3cret' },
    }));
    try {
      const ok = await kit.skiff(data, ['fetch', `${server.origin}/private.aci`]);
      assert.equal(ok.code, 0, ok.stderr);
    } finally {
      fs.rmSync(authDir, { recursive: true, force: true });
    }
  });
});

describe('remote ACI transport refusals', { skip }, () => {
  before(async () => {
    kit = await createRemoteKit('skiff-aci-tls-');
    aci = await kit.signedAci(path.join(kit.tmp.path, 'app.aci'), { name: NAME, version: '1.0.0' });
  });
  after(() => kit?.[Symbol.dispose]());

  for (const [what, hosts, expired, pattern] of [
    ['an expired certificate', ['127.0.0.1'], true, /cannot trust 127\.0\.0\.1:\d+: its TLS certificate has expired/],
    ['a certificate for another host', ['other.test'], false, /cannot trust 127\.0\.0\.1:\d+: its TLS certificate is for another host name/],
  ] as const) {
    it(`refuses ${what} with one line`, async () => {
      await using tlsServer = await startWebServer({ tls: kit.ca.issue({ hosts: [...hosts], expired }) });
      kit.trustCaFor(`127.0.0.1:${tlsServer.port}`);
      tlsServer.routes.set('/app.aci', { file: aci.file });
      const data = dataDir();
      const line = expectOneErrorLine(await kit.skiff(data, ['fetch', `${tlsServer.origin}/app.aci`]));
      assert.match(line, pattern);
      assert.equal(tlsServer.hits('/app.aci'), 0);
      assert.deepEqual(readImageRecords(data), []);
    });
  }

  it('refuses plain http unless --insecure-options=http', async () => {
    await using plain = await startWebServer();
    plain.routes.set('/app.aci', { file: aci.file });
    plain.routes.set('/app.aci.asc', { file: aci.asc });
    await kit.trust('example.com');
    const data = dataDir();
    const refused = expectOneErrorLine(await kit.skiff(data, ['fetch', `${plain.origin}/app.aci`]));
    assert.match(refused, /refusing plain http to 127\.0\.0\.1:\d+.*--insecure-options=http/);
    assert.equal(plain.log.length, 0);
    const ok = await kit.skiff(data, ['--insecure-options=http', 'fetch', `${plain.origin}/app.aci`]);
    assert.equal(ok.code, 0, ok.stderr);
  });
});
