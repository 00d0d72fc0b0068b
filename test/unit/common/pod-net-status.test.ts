import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { podNetStatusPath } from '../../../common/layout.ts';
import { parsePodNetStatus, podIpAddresses, readPodNetStatus } from '../../../common/pod-net-status.ts';

const base = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-netstatus-'));
after(() => fs.rmSync(base, { recursive: true, force: true }));

test('net-status.json: the pod’s addresses, first network first, without prefix lengths', () => {
  const status = {
    version: 1,
    mode: 'cni',
    networks: [
      { name: 'default', ifName: 'eth0', ips: [{ address: '172.16.28.2/24', gateway: '172.16.28.1' }] },
      { name: 'lan', ifName: 'eth1', ips: [{ address: 'fd00::5/64' }] },
    ],
  };
  fs.writeFileSync(podNetStatusPath(base), JSON.stringify(status));
  const read = readPodNetStatus(base);
  assert.deepEqual(read, status);
  assert.deepEqual(podIpAddresses(read), ['172.16.28.2', 'fd00::5']);
});

test('no file, or not one this skiff understands: undefined (and no addresses)', () => {
  assert.equal(readPodNetStatus(path.join(base, 'nowhere')), undefined);
  assert.deepEqual(podIpAddresses(undefined), []);
  assert.equal(parsePodNetStatus({ version: 1, mode: 'cni', networks: [{ name: 'x', ifName: 'eth0', ips: [{}] }] }), undefined);
  assert.equal(parsePodNetStatus({ version: 1, mode: 'bridge', networks: [] }), undefined);
  assert.deepEqual(parsePodNetStatus({ version: 1, mode: 'none', networks: [] }), { version: 1, mode: 'none', networks: [] });
});
