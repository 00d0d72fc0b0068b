import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cachePolicyFromHeaders, isFresh, parseCacheControl } from '../../../../../store/remote/cache/cache-control.ts';

test('parseCacheControl: lowercased names, quoted values, the first of a repeat', () => {
  assert.deepEqual(Object.fromEntries(parseCacheControl('Max-Age=60, no-cache, private="x", max-age=5,,')), {
    'max-age': '60', 'no-cache': '', private: 'x',
  });
  assert.equal(parseCacheControl('').size, 0);
});

test('max-age gives the lifetime; no-cache and no-store make it stale at once', () => {
  assert.deepEqual(cachePolicyFromHeaders({ 'cache-control': 'public, max-age=3600' }), { maxAge: 3600, noStore: false });
  assert.deepEqual(cachePolicyFromHeaders({ 'cache-control': 'max-age=3600, no-cache' }), { maxAge: 0, noStore: false });
  assert.deepEqual(cachePolicyFromHeaders({ 'cache-control': 'no-store, max-age=60' }), { maxAge: 0, noStore: true });
  assert.deepEqual(cachePolicyFromHeaders({}), { maxAge: 0, noStore: false });
});

test('malformed or huge max-age: stale, or capped at a year', () => {
  assert.equal(cachePolicyFromHeaders({ 'cache-control': 'max-age=-5' }).maxAge, 0);
  assert.equal(cachePolicyFromHeaders({ 'cache-control': 'max-age=1e9' }).maxAge, 0);
  assert.equal(cachePolicyFromHeaders({ 'cache-control': 'max-age=99999999999' }).maxAge, 365 * 24 * 3600);
});

test('Expires minus Date when there is no max-age; max-age wins over Expires', () => {
  const date = 'Sat, 01 Mar 2025 10:00:00 GMT';
  assert.equal(cachePolicyFromHeaders({ date, expires: 'Sat, 01 Mar 2025 10:10:00 GMT' }).maxAge, 600);
  assert.equal(cachePolicyFromHeaders({ date, expires: 'Sat, 01 Mar 2025 09:00:00 GMT' }).maxAge, 0);
  assert.equal(cachePolicyFromHeaders({ date, expires: '0' }).maxAge, 0);
  assert.equal(cachePolicyFromHeaders({ 'cache-control': 'max-age=5', date, expires: 'Sat, 01 Mar 2025 10:10:00 GMT' }).maxAge, 5);
});

test('isFresh: younger than max-age; never with max-age 0, a bad date or a clock set back', () => {
  const at = Date.parse('2025-03-01T10:00:00Z');
  const entry = { fetchedAt: '2025-03-01T10:00:00.000Z', maxAge: 60 };
  assert.equal(isFresh(entry, at + 59_000), true);
  assert.equal(isFresh(entry, at + 60_000), false);
  assert.equal(isFresh(entry, at - 1000), false);
  assert.equal(isFresh({ ...entry, maxAge: 0 }, at), false);
  assert.equal(isFresh({ ...entry, fetchedAt: 'yesterday' }, at), false);
});
