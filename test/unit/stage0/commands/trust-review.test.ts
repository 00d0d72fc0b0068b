import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatKeyReview } from '../../../../stage0/commands/trust.ts';
import type { PublicKeyInfo } from '../../../../store/trust/public-keys.ts';

const key: PublicKeyInfo = {
  fingerprint: '819f83178d260f85847830dbfddeeb66450db5d8',
  userIds: ['RSA Signer <rsa@example.com>', 'Release Team <release@example.com>'],
  algorithm: 'rsa 3072',
  created: new Date('2024-05-01T10:00:00Z'),
  expires: new Date('2026-05-01T10:00:00Z'),
  unusable: undefined,
  armored: '',
  key: undefined as never,
};

test('the review shows scope, source, the fingerprint in gpg groups and every identity', () => {
  assert.equal(formatKeyReview(key, { kind: 'prefix', prefix: 'example.com/app' }, 'key.asc'), [
    'Prefix: "example.com/app"',
    'Key: "key.asc"',
    'Key fingerprint is: 819F 8317 8D26 0F85 8478  30DB FDDE EB66 450D B5D8',
    '\tRSA Signer <rsa@example.com>',
    '\tRelease Team <release@example.com>',
    '\trsa 3072, created 2024-05-01, expires 2026-05-01',
  ].join('\n'));
});

test('a root key says it is trusted for all images; a v6 fingerprint is grouped evenly', () => {
  const v6 = { ...key, fingerprint: 'ab'.repeat(32), expires: undefined };
  const text = formatKeyReview(v6, { kind: 'root' }, 'https://example.com/k.asc');
  assert.match(text, /^Trust for: all images \(root key\)\n/);
  assert.match(text, /Key fingerprint is: (ABAB ){15}ABAB\n/);
  assert.match(text, /rsa 3072, created 2024-05-01$/);
});
