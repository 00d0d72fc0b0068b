import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cniEnv, delStdins, ifNameFor, pluginStdin } from '../../../../../stage1/default/net/cni-chain.ts';
import { builtInNetworks } from '../../../../../stage1/default/net/cni-configs.ts';
import type { CniResult } from '../../../../../stage1/default/net/cni-types.ts';

const net = builtInNetworks()[0]!;
const mapping = [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }];
const result: CniResult = { cniVersion: '1.0.0', ips: [{ address: '172.16.28.2/24', gateway: '172.16.28.1', interface: 1 }] };

test('ADD: the first plugin gets the list’s version and name, no prevResult; the next gets the previous result', () => {
  const first = pluginStdin(net, net.plugins[0]!, { portMappings: mapping }, undefined);
  assert.equal(first['cniVersion'], '1.0.0');
  assert.equal(first['name'], 'default');
  assert.equal(first['type'], 'ptp');
  assert.equal('prevResult' in first, false);
  assert.equal('runtimeConfig' in first, false, 'ptp asked for no capability');
  const second = pluginStdin(net, net.plugins[1]!, { portMappings: mapping }, result);
  assert.deepEqual(second['prevResult'], result);
  assert.deepEqual(second['runtimeConfig'], { portMappings: mapping }, 'portmap asked for portMappings');
});

test('no port mappings: no runtimeConfig at all', () => {
  assert.equal('runtimeConfig' in pluginStdin(net, net.plugins[1]!, {}, result), false);
  assert.equal('runtimeConfig' in pluginStdin(net, net.plugins[1]!, { portMappings: [] }, result), false);
});

test('DEL: every plugin, in ADD order, with the final result', () => {
  const dels = delStdins(net, { portMappings: mapping }, result);
  assert.deepEqual(dels.map((d) => d['type']), ['ptp', 'portmap']);
  assert.ok(dels.every((d) => d['prevResult'] === result));
  assert.equal(delStdins(net, {}, undefined).some((d) => 'prevResult' in d), false, 'before ADD finished: no result');
});

test('cniEnv: the CNI_* parameters over the caller’s environment, its own CNI_* dropped', () => {
  const env = cniEnv('DEL', { containerId: 'u', netns: '/p/netns', ifName: ifNameFor(1), cniPath: '/usr/lib/cni' }, { PATH: '/usr/sbin', CNI_ARGS: 'stale', HOME: undefined });
  assert.deepEqual(env, { PATH: '/usr/sbin', CNI_COMMAND: 'DEL', CNI_CONTAINERID: 'u', CNI_NETNS: '/p/netns', CNI_IFNAME: 'eth1', CNI_PATH: '/usr/lib/cni' });
});
