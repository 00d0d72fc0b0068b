// `skiff fetch NAME[:VERSION]` by appc discovery against an HTTPS server with a test CA.
// appc names have no port (an ACIdentifier allows no `:`), and discovery always asks
// https://NAME?ac-discovery=1, so the server listens on 127.0.0.1:443 and the names start
// with `localhost/` (rkt's functional tests did the same). Where port 443 is taken, the file
// skips with that reason.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { expectOneErrorLine, lines, readImageRecords } from '../../helpers/cli.ts';
import { startWebServer } from '../../helpers/aci-server.ts';
import type { WebServer } from '../../helpers/aci-server.ts';
import { FLY, podDataDir, skipUnlessPods } from '../pods/pod-helpers.ts';
import { createRemoteKit, skipUnlessRemoteKit } from './remote-aci-kit.ts';
import type { RemoteKit, SignedAci } from './remote-aci-kit.ts';

const skip = skipUnlessRemoteKit();
const TEMPLATE = 'https://localhost/images/{name}-{version}-{os}-{arch}.{ext}';
const page = (...metas: string[]): string => `<!doctype html><html><head>${metas.join('\n')}</head><body>discovery</body></html>`;
const meta = (name: string, prefix: string, value: string): string => `<meta name="${name}" content="${prefix} ${value}">`;

let kit: RemoteKit;
let server: WebServer | undefined;
let portSkip: string | false = false;
let n = 0;
const dataDir = (): string => path.join(kit.tmp.path, `data-${n++}`);

/** Serves `aci` where TEMPLATE puts NAME:VERSION. */
function serveImage(name: string, version: string, aci: SignedAci, extra: { cacheControl?: string } = {}): string {
  const file = `/images/${name}-${version}-linux-amd64.aci`;
  server!.routes.set(file, { file: aci.file, etag: `"${name}-${version}"`, ...extra });
  server!.routes.set(`${file}.asc`, { file: aci.asc });
  return file;
}

describe('skiff fetch NAME by appc discovery', { skip }, () => {
  before(async () => {
    kit = await createRemoteKit('skiff-discovery-');
    try {
      server = await startWebServer({ tls: kit.ca.issue({ hosts: ['localhost'] }), port: 443, hostName: 'localhost' });
    } catch (err) {
      portSkip = `cannot listen on 127.0.0.1:443 (${(err as NodeJS.ErrnoException).code})`;
      return;
    }
    kit.trustCaFor('localhost:443');
    await kit.trust('localhost');
  });
  after(async () => {
    await server?.close();
    kit?.[Symbol.dispose]();
  });

  it('finds an image by name and version, checks its signature and imports it', async (t) => {
    if (portSkip) return t.skip(portSkip);
    const aci = await kit.signedAci(path.join(kit.tmp.path, 'app-1.aci'), { name: 'localhost/app', version: '1.0.0' });
    server!.routes.set('/app?ac-discovery=1', { body: page(meta('ac-discovery', 'localhost', TEMPLATE)), contentType: 'text/html' });
    serveImage('localhost/app', '1.0.0', aci);
    const data = dataDir();
    const start = server!.log.length;
    const res = await kit.skiff(data, ['fetch', 'localhost/app:1.0.0']);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(lines(res.stdout).length, 1);
    assert.deepEqual(server!.log.slice(start).map((r) => r.url), [
      '/app?ac-discovery=1', '/images/localhost/app-1.0.0-linux-amd64.aci', '/images/localhost/app-1.0.0-linux-amd64.aci.asc',
    ]);
    const [rec] = readImageRecords(data);
    assert.equal(rec?.name, 'localhost/app');
    assert.equal(rec?.source, 'localhost/app:1.0.0');
  });

  it('walks up to the parent paths when a page has no template for the name', async (t) => {
    if (portSkip) return t.skip(portSkip);
    const aci = await kit.signedAci(path.join(kit.tmp.path, 'tool.aci'), { name: 'localhost/team/tool', version: '2.0.0' });
    // /team answers, but only for another name; the host's root page has the template.
    server!.routes.set('/team?ac-discovery=1', { body: page(meta('ac-discovery', 'localhost/other', TEMPLATE)) });
    server!.routes.set('/?ac-discovery=1', { body: page(meta('ac-discovery', 'localhost', TEMPLATE)) });
    serveImage('localhost/team/tool', '2.0.0', aci);
    const start = server!.log.length;
    const res = await kit.skiff(dataDir(), ['fetch', 'localhost/team/tool:2.0.0']);
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(server!.log.slice(start, start + 3).map((r) => [r.url, r.status]), [
      ['/team/tool?ac-discovery=1', 404], ['/team?ac-discovery=1', 200], ['/?ac-discovery=1', 200],
    ]);
  });

  it('refuses an image whose manifest is not what discovery asked for; nothing is stored', async (t) => {
    if (portSkip) return t.skip(portSkip);
    const aci = await kit.signedAci(path.join(kit.tmp.path, 'liar.aci'), { name: 'localhost/app', version: '1.0.0' });
    serveImage('localhost/app', '9.9.9', aci);
    const data = dataDir();
    const line = expectOneErrorLine(await kit.skiff(data, ['fetch', 'localhost/app:9.9.9']));
    assert.match(line, /discovery of localhost\/app:9\.9\.9 led to an image that does not match: the image has version=1\.0\.0, not 9\.9\.9/);
    assert.deepEqual(readImageRecords(data), []);
  });

  it('an image missing at the discovered URL, and no page with a template: one line each', async (t) => {
    if (portSkip) return t.skip(portSkip);
    server!.routes.set('/?ac-discovery=1', { body: page(meta('ac-discovery', 'localhost', TEMPLATE)) });
    const gone = expectOneErrorLine(await kit.skiff(dataDir(), ['fetch', 'localhost/team/gone:3']));
    assert.match(gone, /localhost\/team\/gone:3: discovery points at https:\/\/localhost\/images\/localhost\/team\/gone-3-linux-amd64\.aci, which the server does not have \(HTTP 404\)/);
    server!.routes.delete('/?ac-discovery=1');
    const line = expectOneErrorLine(await kit.skiff(dataDir(), ['fetch', 'localhost/team/nothing/here']));
    assert.match(line, /discovery found no image for localhost\/team\/nothing\/here: tried https:\/\/localhost\/team\/nothing\/here\?ac-discovery=1 \(HTTP 404\), https:\/\/localhost\/team\/nothing\?ac-discovery=1 \(HTTP 404\), https:\/\/localhost\/team\?ac-discovery=1 \(no ac-discovery template for it\), https:\/\/localhost\/\?ac-discovery=1 \(HTTP 404\)/);
  });

  it('an untrusted signer: the hint names the keys the discovery page publishes', async (t) => {
    if (portSkip) return t.skip(portSkip);
    const stranger = await kit.gpg.genKey('Other <other@example.org>', 'ed25519');
    const aci = await kit.signedAci(path.join(kit.tmp.path, 'keyed.aci'), { name: 'localhost/keyed/app', version: '1' }, stranger);
    server!.routes.set('/keyed/app?ac-discovery=1', {
      body: page(meta('ac-discovery', 'localhost/keyed', TEMPLATE), meta('ac-discovery-pubkeys', 'localhost/keyed', 'https://localhost/keys.asc')),
    });
    serveImage('localhost/keyed/app', '1', aci);
    // Trusted for localhost/ (kit.trust), but this is another key.
    const line = expectOneErrorLine(await kit.skiff(dataDir(), ['fetch', 'localhost/keyed/app:1']));
    assert.match(line, /not trusted for localhost\/keyed\/app.*keys are at https:\/\/localhost\/keys\.asc.*skiff trust --prefix localhost\/keyed\/app https:\/\/localhost\/keys\.asc/);
  });

  it('--pull-policy: new takes a stored name without asking; never refuses what is not stored', async (t) => {
    if (portSkip) return t.skip(portSkip);
    const aci = await kit.signedAci(path.join(kit.tmp.path, 'pol.aci'), { name: 'localhost/pol', version: '1' });
    server!.routes.set('/pol?ac-discovery=1', { body: page(meta('ac-discovery', 'localhost', TEMPLATE)) });
    serveImage('localhost/pol', '1', aci);
    const data = dataDir();
    const never = expectOneErrorLine(await kit.skiff(data, ['fetch', '--pull-policy=never', 'localhost/pol:1']));
    assert.match(never, /no image localhost\/pol:1 in the store and --pull-policy=never/);
    const first = await kit.skiff(data, ['fetch', '--pull-policy=new', 'localhost/pol:1']);
    assert.equal(first.code, 0, first.stderr);
    const start = server!.log.length;
    for (const args of [['--pull-policy=new', 'localhost/pol:1'], ['--pull-policy=never', 'localhost/pol'], ['--pull-policy=new', 'localhost/pol']]) {
      const res = await kit.skiff(data, ['fetch', ...args]);
      assert.deepEqual(lines(res.stdout), lines(first.stdout), res.stderr);
    }
    assert.equal(server!.log.length, start);
  });

  it('caches the discovery page and the image for their max-age: a fetch within it asks nothing', async (t) => {
    if (portSkip) return t.skip(portSkip);
    const aci = await kit.signedAci(path.join(kit.tmp.path, 'cached.aci'), { name: 'localhost/cached', version: '1' });
    server!.routes.set('/cached?ac-discovery=1', { body: page(meta('ac-discovery', 'localhost', TEMPLATE)), cacheControl: 'max-age=600' });
    serveImage('localhost/cached', '1', aci, { cacheControl: 'max-age=600' });
    const data = dataDir();
    assert.equal((await kit.skiff(data, ['fetch', 'localhost/cached:1'])).code, 0);
    const start = server!.log.length;
    const again = await kit.skiff(data, ['fetch', 'localhost/cached:1']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(server!.log.length, start);
  });

  it('run of an image not in the store discovers and fetches it (pull policy new), then runs it', async (t) => {
    if (portSkip) return t.skip(portSkip);
    const podsSkip = skipUnlessPods();
    if (podsSkip) return t.skip(podsSkip);
    const aci = await kit.signedAci(path.join(kit.tmp.path, 'hello.aci'), {
      name: 'localhost/hello', version: '1', exec: ['/bin/echo', 'hello from discovery'],
    });
    server!.routes.set('/hello?ac-discovery=1', { body: page(meta('ac-discovery', 'localhost', TEMPLATE)) });
    serveImage('localhost/hello', '1', aci);
    using data = podDataDir();
    const res = await kit.skiff(data.path, ['run', FLY, 'localhost/hello:1']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /hello from discovery/);
    assert.equal(server!.hits('/hello'), 1);
    // Now it is stored: --pull-policy=never runs it without asking.
    const again = await kit.skiff(data.path, ['run', FLY, '--pull-policy=never', 'localhost/hello:1']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(server!.hits('/hello'), 1);
  });
});
