// Random names and UUIDs from /dev/urandom (common/random.ts): the shapes callers rely on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytesSync, randomHex, randomUuid } from '../../../common/random.ts';
import { parsePodUuid } from '../../../common/ids.ts';

test('randomUuid makes RFC 9562 version 4 UUIDs that pod UUIDs accept', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const u = randomUuid();
    assert.match(u, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    parsePodUuid(u);
    seen.add(u);
  }
  assert.equal(seen.size, 200);
});

test('randomHex and randomBytesSync give the length asked for', () => {
  assert.match(randomHex(6), /^[0-9a-f]{12}$/);
  assert.equal(randomBytesSync(0).length, 0);
  assert.equal(randomBytesSync(4096).length, 4096);
  assert.notEqual(randomHex(16), randomHex(16));
});
