// The yargs-free parsers for `run` and `fetch`: what they accept must mean what it means to
// yargs, and anything else must fall through (undefined) to yargs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFetchFastPath, parseGlobalHead, parseRunFastPath } from '../../../stage0/fast-path.ts';

const ENV = {};
const base = { dir: '/var/lib/skiff', 'insecure-options': [], debug: false, 'log-format': 'pretty' };

test('global options before the command: both spellings, repeated --insecure-options, SKIFF_DIR as default', () => {
  assert.deepEqual(parseGlobalHead(['--dir', '/d', '--insecure-options=image', '--insecure-options', 'http', '--debug', '--log-format=json'], ENV), {
    dir: '/d', 'insecure-options': ['image', 'http'], debug: true, 'log-format': 'json',
  });
  assert.deepEqual(parseGlobalHead([], { SKIFF_DIR: '/env' }), { ...base, dir: '/env' });
  assert.deepEqual(parseGlobalHead(['--local-config=/l', '--system-config', '/s'], ENV), { ...base, 'local-config': '/l', 'system-config': '/s' });
});

test('unusual global words fall through to yargs', () => {
  for (const head of [['--dir'], ['--dir', '--debug'], ['--debug=false'], ['--log-format=xml'], ['-h'], ['--help'], ['--dri=/x'], ['x']]) {
    assert.equal(parseGlobalHead(head, ENV), undefined, head.join(' '));
  }
});

test('run: only the globals before it are read', () => {
  assert.deepEqual(parseRunFastPath(['--dir=/d', 'run', '--net=none', 'img'], 1, ENV), { ...base, dir: '/d' });
  assert.equal(parseRunFastPath(['--dir=/d', 'fetch', 'img'], 1, ENV), undefined);
  assert.equal(parseRunFastPath(['--bogus', 'run', 'img'], 1, ENV), undefined);
});

test('fetch: images, its four options in both spellings, globals before and after the command', () => {
  const argv = ['--dir', '/d', 'fetch', '--pull-policy=new', 'docker://r/a:1', '--platform', 'linux/arm64', '--insecure-options=image', 'b.aci',
    '--signature', 'b.aci.asc', '--max-image-size=2G', '--debug'];
  assert.deepEqual(parseFetchFastPath(argv, 2, ENV), {
    ...base, dir: '/d', 'insecure-options': ['image'], debug: true,
    images: ['docker://r/a:1', 'b.aci'], 'pull-policy': 'new', platform: 'linux/arm64', signature: 'b.aci.asc', 'max-image-size': '2G',
  });
  assert.deepEqual(parseFetchFastPath(['fetch', 'x'], 0, ENV), { ...base, images: ['x'], 'pull-policy': 'update' });
});

test('fetch: help, no image, unknown or repeated options, bad choices and missing values go to yargs', () => {
  for (const words of [
    [], ['--help'], ['x', '-h'], ['--bogus', 'x'], ['x', '--pull-policy=sometimes'], ['x', '--platform'], ['x', '--platform', '--debug'],
    ['x', '--platform=a/b', '--platform=c/d'], ['x', '--', 'y'], ['-x', 'y'],
  ]) {
    assert.equal(parseFetchFastPath(['fetch', ...words], 0, ENV), undefined, words.join(' '));
  }
  assert.equal(parseFetchFastPath(['run', 'x'], 0, ENV), undefined);
});
