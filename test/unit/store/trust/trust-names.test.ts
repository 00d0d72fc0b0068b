import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAcIdentifier, parseFingerprint, parseTrustPrefix, trustPrefixesFor } from '../../../../store/trust/trust-names.ts';

test('an image name is trusted under each of its path prefixes, most specific first', () => {
  assert.deepEqual(trustPrefixesFor('example.com/app/x'), ['example.com/app/x', 'example.com/app', 'example.com']);
  assert.deepEqual(trustPrefixesFor('busybox'), ['busybox']);
});

test('segments that would walk the key directory end the prefix list', () => {
  // The manifest schema (appc's lax check) lets these names through.
  assert.deepEqual(trustPrefixesFor('example.com/../evil'), ['example.com']);
  assert.deepEqual(trustPrefixesFor('example.com//x'), ['example.com']);
  assert.deepEqual(trustPrefixesFor('example.com/./x'), ['example.com']);
});

test('trust prefixes must be appc identifiers', () => {
  assert.equal(parseTrustPrefix('example.com/app'), 'example.com/app');
  for (const bad of ['', 'Example.com', 'example.com/', '/example.com', 'a/../b', 'a//b', 'a b', '-a']) {
    assert.throws(() => parseTrustPrefix(bad), { code: 'USAGE' }, bad);
  }
  assert.equal(isAcIdentifier('coreos.com/etcd'), true);
});

test('fingerprints are normalised to lowercase hex, spaces dropped', () => {
  const fp = '819F 8317 8D26 0F85 8478  30DB FDDE EB66 450D B5D8';
  assert.equal(parseFingerprint(fp), '819f83178d260f85847830dbfddeeb66450db5d8');
  assert.equal(parseFingerprint('a'.repeat(64)), 'a'.repeat(64));
  for (const bad of ['fddeeb66450db5d8', 'g'.repeat(40), '../' + 'a'.repeat(37)]) {
    assert.throws(() => parseFingerprint(bad), { code: 'USAGE' }, bad);
  }
});
