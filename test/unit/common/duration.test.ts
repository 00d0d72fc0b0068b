import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, parseDuration } from '../../../common/duration.ts';
import { SkiffError } from '../../../common/errors.ts';

test('parseDuration reads Go-style durations into milliseconds', () => {
  assert.equal(parseDuration('30s'), 30_000);
  assert.equal(parseDuration('5m'), 300_000);
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('1.5s'), 1500);
  assert.equal(parseDuration('2h45m30s'), (2 * 3600 + 45 * 60 + 30) * 1000);
  assert.equal(parseDuration('1500us'), 1.5);
  assert.equal(parseDuration('0s'), 0);
});

test('a bare number is seconds', () => {
  assert.equal(parseDuration('30'), 30_000);
  assert.equal(parseDuration('0.5'), 500);
  assert.equal(parseDuration('0'), 0);
});

test('parseDuration refuses junk with a usage error', () => {
  for (const bad of ['', ' ', 'abc', '5 m', '-5s', '1h30', '5x', 'm5', '1.s', '30s ago']) {
    assert.throws(
      () => parseDuration(bad),
      (err: unknown) => err instanceof SkiffError && err.code === 'USAGE' && /invalid duration/.test(err.message),
      bad,
    );
  }
});

test('parseDuration can be called repeatedly (no shared regex state)', () => {
  for (let i = 0; i < 3; i++) assert.equal(parseDuration('1m1s'), 61_000);
});

test('formatDuration prints compact durations', () => {
  assert.equal(formatDuration(250), '250ms');
  assert.equal(formatDuration(1500), '1.5s');
  assert.equal(formatDuration(60_000), '1m');
  assert.equal(formatDuration(5_400_000), '1h30m');
  assert.equal(formatDuration(3_661_000), '1h1m1s');
  assert.equal(parseDuration(formatDuration(5_400_000)), 5_400_000);
});
