import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSize, parseMillicores, parseSize } from '../../../common/size.ts';
import { SkiffError } from '../../../common/errors.ts';

const usage = (re: RegExp) => (err: unknown) => err instanceof SkiffError && err.code === 'USAGE' && re.test(err.message);

test('parseSize reads plain bytes and decimal and binary suffixes', () => {
  assert.equal(parseSize('4096'), 4096);
  assert.equal(parseSize('1k'), 1000);
  assert.equal(parseSize('1K'), 1000);
  assert.equal(parseSize('128M'), 128_000_000);
  assert.equal(parseSize('2G'), 2_000_000_000);
  assert.equal(parseSize('1Ki'), 1024);
  assert.equal(parseSize('128Mi'), 134_217_728);
  assert.equal(parseSize('1Gi'), 1_073_741_824);
  assert.equal(parseSize('1Ti'), 1024 ** 4);
  assert.equal(parseSize(' 64Mi '), 64 * 1024 * 1024);
});

test('parseSize handles fractions exactly', () => {
  assert.equal(parseSize('1.5Gi'), 1.5 * 1024 ** 3);
  assert.equal(parseSize('1.1K'), 1100); // 1.1 * 1000 is 1100.0000000000002 in floating point
  assert.equal(parseSize('0.5Ki'), 512);
});

test('parseSize refuses junk, fractions of a byte, milli and huge values', () => {
  assert.throws(() => parseSize(''), usage(/invalid size/));
  assert.throws(() => parseSize('12X'), usage(/invalid size/));
  assert.throws(() => parseSize('-1M'), usage(/invalid size/));
  assert.throws(() => parseSize('1.0001K'), usage(/whole number of bytes/));
  assert.throws(() => parseSize('0.5'), usage(/whole number of bytes/));
  assert.throws(() => parseSize('16m'), usage(/m means milli/));
  assert.throws(() => parseSize('100000E'), usage(/too large/));
});

test('formatSize prints short IEC sizes', () => {
  assert.equal(formatSize(0), '0 B');
  assert.equal(formatSize(512), '512 B');
  assert.equal(formatSize(1024), '1 KiB');
  assert.equal(formatSize(1536), '1.5 KiB');
  assert.equal(formatSize(128 * 1024 * 1024), '128 MiB');
  assert.equal(formatSize(1.25 * 1024 ** 3), '1.3 GiB');
  assert.equal(formatSize(3 * 1024 ** 4), '3 TiB');
});

test('parseMillicores reads cores and millicores', () => {
  assert.equal(parseMillicores('500m'), 500);
  assert.equal(parseMillicores('1'), 1000);
  assert.equal(parseMillicores('1.5'), 1500);
  assert.equal(parseMillicores('0.25'), 250);
  assert.equal(parseMillicores('2000m'), 2000);
});

test('parseMillicores refuses zero, sub-millicore and other suffixes', () => {
  assert.throws(() => parseMillicores('0'), usage(/above 0/));
  assert.throws(() => parseMillicores('0.0001'), usage(/invalid CPU quantity/));
  assert.throws(() => parseMillicores('1.5m'), usage(/invalid CPU quantity/));
  assert.throws(() => parseMillicores('1k'), usage(/invalid CPU quantity/));
  assert.throws(() => parseMillicores('one'), usage(/invalid CPU quantity/));
});
