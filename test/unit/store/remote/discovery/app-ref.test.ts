import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SkiffError } from '../../../../../common/errors.ts';
import { describeApp, isAcIdentifier, mismatchWithManifest, parseDiscoveryApp } from '../../../../../store/remote/discovery/app-ref.ts';

const usage = (re: RegExp) => (err: unknown) => err instanceof SkiffError && err.code === 'USAGE' && re.test(err.message);
const linux = { os: 'linux', arch: 'amd64' };

test('NAME[:VERSION][,LABEL=VALUE…] with os and arch defaults', () => {
  const app = parseDiscoveryApp('example.com/app:1.0,channel=beta,os=freebsd', linux);
  assert.equal(app.name, 'example.com/app');
  assert.deepEqual(Object.fromEntries(app.labels), { version: '1.0', channel: 'beta', os: 'freebsd', arch: 'amd64' });
  assert.deepEqual([...app.given].sort(), ['channel', 'os', 'version']);
  assert.equal(describeApp(app), 'example.com/app:1.0');
  assert.equal(describeApp(parseDiscoveryApp('example.com/app', linux)), 'example.com/app');
});

test('names must be appc identifiers; a host:port gets advice', () => {
  assert.throws(() => parseDiscoveryApp('Example.com/app', linux), usage(/not an image name/));
  assert.throws(() => parseDiscoveryApp('localhost:8443/app', linux), usage(/host:port is not part of an appc name/));
  assert.throws(() => parseDiscoveryApp('example.com/app:', linux), usage(/not NAME\[:VERSION\]/));
  assert.throws(() => parseDiscoveryApp('example.com/app:1,channel', linux), usage(/"channel" is not a LABEL=VALUE pair/));
  assert.throws(() => parseDiscoveryApp('example.com/app:1,version=2', linux), usage(/gives the label version twice/));
  assert.equal(isAcIdentifier('example.com/a-b_c~d.e'), true);
  assert.equal(isAcIdentifier('example.com//app'), false);
  assert.equal(isAcIdentifier('-x'), false);
});

test('a manifest matches on name and labels; defaulted os/arch may be absent, not different', () => {
  const app = parseDiscoveryApp('example.com/app:1.0', linux);
  const labels = (o: Record<string, string>) => Object.entries(o).map(([name, value]) => ({ name, value }));
  assert.equal(mismatchWithManifest(app, { name: 'example.com/app', labels: labels({ version: '1.0', os: 'linux', arch: 'amd64' }) }), undefined);
  assert.equal(mismatchWithManifest(app, { name: 'example.com/app', labels: labels({ version: '1.0' }) }), undefined);
  assert.match(mismatchWithManifest(app, { name: 'example.com/evil', labels: labels({ version: '1.0' }) }) ?? '', /named example.com\/evil/);
  assert.match(mismatchWithManifest(app, { name: 'example.com/app', labels: labels({ version: '2.0' }) }) ?? '', /version=2.0, not 1.0/);
  assert.match(mismatchWithManifest(app, { name: 'example.com/app' }) ?? '', /no version label/);
  assert.match(mismatchWithManifest(app, { name: 'example.com/app', labels: labels({ version: '1.0', arch: 'aarch64' }) }) ?? '', /arch=aarch64, not amd64/);
  // No version asked for: any version will do.
  assert.equal(mismatchWithManifest(parseDiscoveryApp('example.com/app', linux), { name: 'example.com/app', labels: labels({ version: '7' }) }), undefined);
});
