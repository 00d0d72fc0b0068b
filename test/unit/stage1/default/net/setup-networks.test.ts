// CNI ADD/DEL orchestration against a fake host: what each plugin gets, in which order, and
// what the teardown record says at each point (before ADD, after it, after a failed ADD).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunOptions } from '../../../../../common/host.ts';
import { createSilentLogger } from '../../../../../common/log.ts';
import { podCniDelConfigPath } from '../../../../../common/layout.ts';
import { builtInNetworks, parseNetworkConfig } from '../../../../../stage1/default/net/cni-configs.ts';
import { readCniRecord } from '../../../../../stage1/default/net/cni-record.ts';
import { portMappingNetwork, setupNetworks } from '../../../../../stage1/default/net/setup-networks.ts';
import { teardownNetworks } from '../../../../../stage1/default/net/teardown-networks.ts';
import { createFakeHost } from '../../../../helpers/fake-host.ts';

const base = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-cni-'));
after(() => fs.rmSync(base, { recursive: true, force: true }));
const pluginDir = path.join(base, 'plugins');
fs.mkdirSync(pluginDir);
for (const p of ['ptp', 'portmap', 'bridge']) fs.writeFileSync(path.join(pluginDir, p), '#!/bin/sh\n', { mode: 0o755 });

interface Call { plugin: string; command: string; ifName: string; stdin: Record<string, unknown> }

function fakeCni(fail?: (c: Call) => boolean) {
  const calls: Call[] = [];
  const host = createFakeHost({
    runResult(file: string, _args: readonly string[], opts?: RunOptions) {
      const env = opts?.env ?? {};
      const call = { plugin: path.basename(file), command: env['CNI_COMMAND'] ?? '', ifName: env['CNI_IFNAME'] ?? '', stdin: JSON.parse(String(opts?.input)) as Record<string, unknown> };
      calls.push(call);
      if (fail?.(call)) return { code: 1, stdout: JSON.stringify({ cniVersion: '1.0.0', code: 7, msg: 'no more addresses' }), stderr: '' };
      const result = { cniVersion: '1.0.0', ips: [{ address: `10.0.${calls.length}.2/24`, gateway: `10.0.${calls.length}.1` }], dns: { nameservers: ['10.0.0.53'] } };
      return { code: 0, stdout: call.command === 'ADD' ? JSON.stringify(result) : '', stderr: '' };
    },
  });
  return { host, calls };
}

let n = 0;
const podDir = (): string => fs.mkdtempSync(path.join(base, `pod-${n++}-`));

test('ADD runs the chain in order, records DEL steps with the final result, reports the addresses', async () => {
  const log = await createSilentLogger();
  const { host, calls } = fakeCni();
  const pod = podDir();
  const lan = parseNetworkConfig(JSON.stringify({ name: 'lan', type: 'bridge' }), 'lan.conf');
  const set = setupNetworks({ host, log }, {
    podRoot: pod, containerId: 'uuid-1', netns: `${pod}/netns`, networks: [builtInNetworks()[0]!, lan],
    portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }], cniPathDirs: [pluginDir],
  });
  assert.deepEqual(calls.map((c) => `${c.command} ${c.plugin} ${c.ifName}`), ['ADD ptp eth0', 'ADD portmap eth0', 'ADD bridge eth1']);
  assert.deepEqual(calls[1]!.stdin['runtimeConfig'], { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }] });
  assert.equal(calls[2]!.stdin['runtimeConfig'], undefined, 'ports go to the first network that takes them');
  assert.deepEqual(set.networks, [
    { name: 'default', ifName: 'eth0', ips: [{ address: '10.0.2.2/24', gateway: '10.0.2.1' }] },
    { name: 'lan', ifName: 'eth1', ips: [{ address: '10.0.3.2/24', gateway: '10.0.3.1' }] },
  ]);
  assert.deepEqual(set.dns.nameservers, ['10.0.0.53']);
  const rec = readCniRecord(pod)!;
  assert.deepEqual(rec.steps.map((s) => `${path.basename(s.plugin)} ${s.ifName}`), ['ptp eth0', 'portmap eth0', 'bridge eth1']);
  const del1 = JSON.parse(fs.readFileSync(podCniDelConfigPath(pod, 1), 'utf8')) as Record<string, unknown>;
  assert.deepEqual((del1['prevResult'] as { ips: unknown[] }).ips, [{ address: '10.0.2.2/24', gateway: '10.0.2.1' }], 'DEL gets the final ADD result');

  // Teardown: reverse order, the pod's current netns path, then the record is gone.
  calls.length = 0;
  assert.deepEqual(teardownNetworks({ host, log, podRoot: pod }), []);
  assert.deepEqual(calls.map((c) => `${c.command} ${c.plugin} ${c.ifName}`), ['DEL bridge eth1', 'DEL portmap eth0', 'DEL ptp eth0']);
  assert.equal(readCniRecord(pod), undefined);
  assert.deepEqual(teardownNetworks({ host, log, podRoot: pod }), [], 'nothing left: nothing to do');
});

test('a failed ADD is undone at once (DEL of the whole list, in reverse) and leaves the earlier networks recorded', async () => {
  const log = await createSilentLogger();
  const { host, calls } = fakeCni((c) => c.command === 'ADD' && c.plugin === 'portmap' && c.ifName === 'eth1');
  const pod = podDir();
  const [def] = builtInNetworks();
  const second = { ...def!, name: 'second' };
  assert.throws(
    () => setupNetworks({ host, log }, { podRoot: pod, containerId: 'u', netns: `${pod}/netns`, networks: [def!, second], portMappings: [], cniPathDirs: [pluginDir] }),
    /CNI ADD with .*portmap on eth1 failed: no more addresses \(CNI error 7\)/,
  );
  assert.deepEqual(calls.map((c) => `${c.command} ${c.plugin} ${c.ifName}`), [
    'ADD ptp eth0', 'ADD portmap eth0', 'ADD ptp eth1', 'ADD portmap eth1', 'DEL portmap eth1', 'DEL ptp eth1',
  ]);
  assert.deepEqual(readCniRecord(pod)!.steps.map((s) => s.ifName), ['eth0', 'eth0'], 'the first network stays for the teardown');
});

test('a missing plugin fails before any ADD, naming the package', async () => {
  const log = await createSilentLogger();
  const { host, calls } = fakeCni();
  const net = parseNetworkConfig(JSON.stringify({ name: 'x', type: 'nosuchplugin' }), 'x.conf');
  assert.throws(() => setupNetworks({ host, log }, { podRoot: podDir(), containerId: 'u', netns: '/n', networks: [net], portMappings: [], cniPathDirs: [pluginDir] }),
    (err: Error & { hint?: string }) => /nosuchplugin was not found/.test(err.message) && /containernetworking-plugins/.test(err.hint ?? ''));
  assert.equal(calls.length, 0);
});

test('port mappings need a network with a portMappings plugin', () => {
  const bridge = parseNetworkConfig(JSON.stringify({ name: 'lan', type: 'bridge' }), 'lan.conf');
  const m = [{ hostPort: 1, containerPort: 1, protocol: 'tcp' }];
  assert.equal(portMappingNetwork([bridge], []), undefined);
  assert.equal(portMappingNetwork([bridge, builtInNetworks()[0]!], m), 1);
  assert.throws(() => portMappingNetwork([bridge], m), /--port needs a network with the portmap plugin/);
});
