import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtInNetworks, parseNetworkConfig, selectNetworks, supportsPortMappings } from '../../../../../stage1/default/net/cni-configs.ts';
import { parseNetMode } from '../../../../../stage1/default/net/net-mode.ts';

test('the built-in networks: default masquerades in 172.16.28.0/24, default-restricted does not, both chain portmap', () => {
  const [def, restricted] = builtInNetworks();
  assert.equal(def!.name, 'default');
  assert.deepEqual(def!.plugins.map((p) => p.type), ['ptp', 'portmap']);
  assert.equal(def!.plugins[0]!['ipMasq'], true);
  assert.deepEqual(def!.plugins[0]!['ipam'], { type: 'host-local', ranges: [[{ subnet: '172.16.28.0/24' }]], routes: [{ dst: '0.0.0.0/0' }] });
  assert.equal(restricted!.name, 'default-restricted');
  assert.equal(restricted!.plugins[0]!['ipMasq'], false);
  assert.ok(supportsPortMappings(def!) && supportsPortMappings(restricted!));
});

test('parseNetworkConfig: a .conf is a list of one, its own keys kept in the plugin', () => {
  const net = parseNetworkConfig(JSON.stringify({ cniVersion: '0.4.0', name: 'lan', type: 'bridge', bridge: 'br0', ipam: { type: 'dhcp' } }), '/etc/skiff/net.d/10-lan.conf');
  assert.deepEqual(net, { cniVersion: '0.4.0', name: 'lan', source: '/etc/skiff/net.d/10-lan.conf', plugins: [{ type: 'bridge', bridge: 'br0', ipam: { type: 'dhcp' } }] });
  assert.equal(supportsPortMappings(net), false);
});

test('parseNetworkConfig: a .conflist keeps its plugins in order', () => {
  const net = parseNetworkConfig(JSON.stringify({ cniVersion: '1.0.0', name: 'x', plugins: [{ type: 'bridge' }, { type: 'portmap', capabilities: { portMappings: true } }] }), 'f.conflist');
  assert.deepEqual(net.plugins.map((p) => p.type), ['bridge', 'portmap']);
  assert.ok(supportsPortMappings(net));
});

test('parseNetworkConfig refuses what would become a path or a bad name', () => {
  for (const doc of [
    '{not json',
    '[]',
    JSON.stringify({ name: 'x', type: '../../bin/sh' }),
    JSON.stringify({ name: 'x', plugins: [{ type: 'a/b' }] }),
    JSON.stringify({ name: 'x', plugins: [] }),
    JSON.stringify({ name: '../x', type: 'ptp' }),
    JSON.stringify({ type: 'ptp' }),
  ]) {
    assert.throws(() => parseNetworkConfig(doc, 'f.conf'), /network configuration f\.conf/, doc);
  }
});

test('selectNetworks: a user config replaces a built-in of the same name; an unknown name lists the known ones', () => {
  const mine = parseNetworkConfig(JSON.stringify({ name: 'default', type: 'bridge' }), 'mine.conf');
  const other = parseNetworkConfig(JSON.stringify({ name: 'lan', type: 'macvlan' }), 'lan.conf');
  const chosen = selectNetworks(['default', 'default-restricted', 'lan'], [mine, other]);
  assert.deepEqual(chosen.map((n) => n.source), ['mine.conf', 'built-in', 'lan.conf']);
  assert.throws(() => selectNetworks(['nope'], [other]), /no network named "nope" \(known: default, default-restricted, lan\)/);
});

test('parseNetMode: absent is default; host and none stand alone', () => {
  assert.deepEqual(parseNetMode(undefined), { kind: 'cni', networks: ['default'] });
  assert.deepEqual(parseNetMode(['host']), { kind: 'host' });
  assert.deepEqual(parseNetMode(['none']), { kind: 'none' });
  assert.deepEqual(parseNetMode(['default', 'lan']), { kind: 'cni', networks: ['default', 'lan'] });
  assert.throws(() => parseNetMode(['none', 'default']), /cannot be combined/);
  assert.throws(() => parseNetMode(['lan', 'lan']), /twice/);
});
