// Discovery pages are whatever a web server returns: the scanner must find the tags a browser
// would see as tags and nothing else, whatever the quoting, case and surrounding junk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeEntities, parseAcMetaTags, scanMetaTags } from '../../../../../store/remote/discovery/meta-tags.ts';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../fixtures/discovery');
const page = (name: string): string => fs.readFileSync(path.join(fixtures, name), 'utf8');

test('a plain page gives its ac-discovery and ac-discovery-pubkeys tags', () => {
  assert.deepEqual(parseAcMetaTags(page('simple.html')), [
    { name: 'ac-discovery', prefix: 'example.com', value: 'https://storage.example.com/{os}/{arch}/{name}-{version}.{ext}' },
    { name: 'ac-discovery-pubkeys', prefix: 'example.com', value: 'https://example.com/pubkeys.gpg' },
  ]);
});

test('junk: comments, scripts and styles hide tags; case, quoting and entities do not', () => {
  assert.deepEqual(parseAcMetaTags(page('junk.html')), [
    { name: 'ac-discovery', prefix: 'example.com', value: 'https://storage.example.com/{name}.{ext}?os={os}&arch={arch}' },
    { name: 'ac-discovery', prefix: 'example.com', value: 'https://two.example.com/{name}-{version}.{ext}' },
    { name: 'ac-discovery-pubkeys', prefix: 'example.com', value: 'https://example.com/keys.gpg' },
    // An unterminated attribute runs to the end of the page (and matches no name here).
    { name: 'ac-discovery', prefix: 'unterminated', value: 'https://x.example.com/{name}.{ext}' },
  ]);
});

test('attributes: unquoted, single-quoted, repeated (first wins), valueless, self-closing', () => {
  assert.deepEqual(scanMetaTags('<meta a=1 b=\'two words\' a=3 c d="4"/>').map((m) => Object.fromEntries(m)), [
    { a: '1', b: 'two words', c: '', d: '4' },
  ]);
  assert.deepEqual(scanMetaTags('<metadata name="x"><meta>').map((m) => m.size), [0]);
  assert.deepEqual(scanMetaTags('<meta name="x'), [new Map([['name', 'x']])]);
  assert.deepEqual(scanMetaTags('<script>never closed <meta name="x">'), []);
  assert.deepEqual(scanMetaTags('<!-- never closed <meta name="x">'), []);
  assert.deepEqual(scanMetaTags(''), []);
});

test('binary junk and huge attribute soup neither throw nor hang', () => {
  const junk = Buffer.from(Array.from({ length: 65536 }, (_, i) => (i * 7919) % 256)).toString('latin1');
  assert.doesNotThrow(() => parseAcMetaTags(junk));
  const soup = `<meta ${'x='.repeat(50_000)}>`;
  assert.equal(scanMetaTags(soup).length, 1);
});

test('entities: named, decimal and hex; unknown and out-of-range ones stay as written', () => {
  assert.equal(decodeEntities('a&amp;b&lt;&GT;&quot;&#39;&#x2F;'), 'a&b<>"\'/');
  assert.equal(decodeEntities('&bogus; &#0; &#x110000; & amp;'), '&bogus; &#0; &#x110000; & amp;');
});
