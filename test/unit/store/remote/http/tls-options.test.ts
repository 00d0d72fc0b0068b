import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultCas, splitPemBundle } from '../../../../../store/remote/http/tls-options.ts';

test('a CA bundle splits into its PEM certificates; the defaults hold each CA once', () => {
  const pem = (n: string): string => `-----BEGIN CERTIFICATE-----\n${n}\n-----END CERTIFICATE-----`;
  assert.deepEqual(splitPemBundle(`# a comment\n${pem('AAA')}\n\n${pem('BBB')}\ntrailing`), [pem('AAA'), pem('BBB')]);
  assert.deepEqual(splitPemBundle('no certificates'), []);
  const cas = defaultCas({});
  assert.ok(cas.length > 100, `only ${cas.length} CAs`);
  assert.equal(new Set(cas.map((c) => c.replace(/\s+/g, ''))).size, cas.length);
});
