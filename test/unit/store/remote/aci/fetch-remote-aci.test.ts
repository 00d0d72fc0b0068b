import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SkiffError } from '../../../../../common/errors.ts';
import { appString, discoveryAppFor, platformLabels, signatureUrlFor } from '../../../../../store/remote/aci/fetch-remote-aci.ts';
import { classifyImageRef } from '../../../../../store/formats/image-ref.ts';

test('a direct URL has its signature beside it, .asc on the path (the query stays)', () => {
  assert.equal(signatureUrlFor('https://example.com/images/app.aci'), 'https://example.com/images/app.aci.asc');
  assert.equal(signatureUrlFor('https://example.com:8443/app.aci?token=x'), 'https://example.com:8443/app.aci.asc?token=x');
});

test('--platform maps onto appc os and arch labels', () => {
  assert.deepEqual(platformLabels(undefined), { os: 'linux', arch: 'amd64' });
  assert.deepEqual(platformLabels('linux/arm64'), { os: 'linux', arch: 'aarch64' });
  assert.deepEqual(platformLabels('linux/arm/v6'), { os: 'linux', arch: 'armv6l' });
  assert.throws(() => platformLabels('linux'), (e: unknown) => e instanceof SkiffError && e.code === 'USAGE');
});

test('an image argument classified as a name becomes the app string discovery parses', () => {
  for (const ref of ['example.com/app', 'example.com/app:1.0', 'example.com/app:1.0,channel=beta', 'example.com/app,channel=beta']) {
    const kind = classifyImageRef(ref, false);
    assert.equal(kind.kind, 'name');
    if (kind.kind === 'name') assert.equal(appString(kind), ref);
  }
  const kind = classifyImageRef('example.com/app:1.0,channel=beta', false);
  if (kind.kind !== 'name') throw new Error('expected a name');
  assert.deepEqual(Object.fromEntries(discoveryAppFor(kind, 'linux/arm64').labels), { version: '1.0', channel: 'beta', os: 'linux', arch: 'aarch64' });
});
