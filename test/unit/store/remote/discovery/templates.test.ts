import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDiscoveryApp } from '../../../../../store/remote/discovery/app-ref.ts';
import { parseAcMetaTags } from '../../../../../store/remote/discovery/meta-tags.ts';
import {
  discoveryPrefixes, endpointsFromMeta, prefixMatches, renderTemplate, templateVars,
} from '../../../../../store/remote/discovery/templates.ts';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../fixtures/discovery');
const page = (name: string): string => fs.readFileSync(path.join(fixtures, name), 'utf8');
const linux = { os: 'linux', arch: 'amd64' };

test('renderTemplate substitutes every occurrence and refuses leftovers', () => {
  const vars = new Map([['name', 'example.com/app'], ['version', '1.0'], ['ext', 'aci']]);
  assert.equal(renderTemplate('https://s/{name}/{name}-{version}.{ext}', vars), 'https://s/example.com/app/example.com/app-1.0.aci');
  assert.equal(renderTemplate('https://s/{name}-{channel}.{ext}', vars), undefined);
  assert.equal(renderTemplate('https://s/{}.{ext}', vars), undefined);
  assert.equal(renderTemplate('https://s/fixed', vars), 'https://s/fixed');
});

test('template variables: name cannot be replaced by a label; version defaults to latest', () => {
  const app = { name: 'example.com/app', labels: new Map([['name', 'evil'], ['os', 'linux']]), given: new Set<string>() };
  const vars = templateVars(app, 'aci.asc');
  assert.equal(vars.get('name'), 'example.com/app');
  assert.equal(vars.get('version'), 'latest');
  assert.equal(vars.get('ext'), 'aci.asc');
});

test('prefixes: plain string prefixes as appc matches them; parents up to the host', () => {
  assert.equal(prefixMatches('example.com', 'example.com/app'), true);
  assert.equal(prefixMatches('example.com/app', 'example.com/apps'), true);
  assert.equal(prefixMatches('example.org', 'example.com/app'), false);
  assert.deepEqual(discoveryPrefixes('example.com/a/b'), ['example.com/a/b', 'example.com/a', 'example.com']);
  assert.deepEqual(discoveryPrefixes('example.com'), ['example.com']);
});

test('the simple page gives image and signature URLs and the key URL', () => {
  const app = parseDiscoveryApp('example.com/app:1.0', linux);
  assert.deepEqual(endpointsFromMeta(parseAcMetaTags(page('simple.html')), app), {
    endpoints: [{
      aci: 'https://storage.example.com/linux/amd64/example.com/app-1.0.aci',
      asc: 'https://storage.example.com/linux/amd64/example.com/app-1.0.aci.asc',
    }],
    pubkeys: ['https://example.com/pubkeys.gpg'],
  });
});

test('several templates: other prefixes, other schemes, unknown labels and missing {ext} are skipped; https first', () => {
  const app = parseDiscoveryApp('example.com/app:2', { os: 'linux', arch: 'aarch64' });
  assert.deepEqual(endpointsFromMeta(parseAcMetaTags(page('several.html')), app), {
    endpoints: [
      { aci: 'https://storage.example.com/example.com/app-2-linux-aarch64.aci', asc: 'https://storage.example.com/example.com/app-2-linux-aarch64.aci.asc' },
      { aci: 'http://mirror.example.com/example.com/app-2-linux-aarch64.aci', asc: 'http://mirror.example.com/example.com/app-2-linux-aarch64.aci.asc' },
    ],
    pubkeys: [],
  });
  // The label the user gave fills {channel}.
  const beta = parseDiscoveryApp('example.com/app:2,channel=beta', linux);
  assert.equal(endpointsFromMeta(parseAcMetaTags(page('several.html')), beta).endpoints[0]?.aci, 'https://storage.example.com/example.com/app-2-beta.aci');
});

test('no matching prefix, no endpoints', () => {
  const app = parseDiscoveryApp('example.org/app', linux);
  assert.deepEqual(endpointsFromMeta(parseAcMetaTags(page('simple.html')), app), { endpoints: [], pubkeys: [] });
});
