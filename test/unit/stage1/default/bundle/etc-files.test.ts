import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planEtcFiles } from '../../../../../stage1/default/bundle/etc-files.ts';
import type { EtcSources } from '../../../../../stage1/default/bundle/etc-files.ts';

const base: EtcSources = {
  mode: { resolv: 'default', hosts: 'default' },
  hostname: 'skiff-1234',
  ownNetwork: true,
  stage0Resolv: undefined,
  stage0Hosts: undefined,
  hostResolv: 'nameserver 127.0.0.53\nnameserver 10.0.0.2\nsearch corp\n',
  cniDns: undefined,
};

test('hostname, and by default localhost lines with the hostname', () => {
  const out = planEtcFiles(base);
  assert.equal(out.hostname, 'skiff-1234\n');
  assert.match(out.hosts!, /^127\.0\.0\.1\tlocalhost localhost\.localdomain skiff-1234$/m);
  assert.match(out.hosts!, /^::1\tlocalhost/m);
});

test('resolv=default: stage0’s file, else the CNI nameservers, else the host’s minus loopback', () => {
  assert.equal(planEtcFiles({ ...base, stage0Resolv: 'nameserver 1.1.1.1\n' }).resolvConf, 'nameserver 1.1.1.1\n');
  const cni = planEtcFiles({ ...base, cniDns: { nameservers: ['172.16.28.1'], search: ['pod.local'] } }).resolvConf!;
  assert.match(cni, /^nameserver 172\.16\.28\.1$/m);
  assert.match(cni, /^search pod\.local$/m);
  const host = planEtcFiles(base).resolvConf!;
  assert.doesNotMatch(host, /127\.0\.0\.53/, 'a host stub resolver is unreachable from the pod');
  assert.match(host, /^nameserver 10\.0\.0\.2$/m);
  assert.match(planEtcFiles({ ...base, ownNetwork: false }).resolvConf!, /127\.0\.0\.53/, 'the host network reaches it');
  assert.equal(planEtcFiles({ ...base, hostResolv: 'nameserver 127.0.0.1\n' }).resolvConf, undefined, 'nothing usable: the image keeps its own');
});

test('resolv=none leaves the image’s file; resolv=stage0 and hosts=stage0 take stage0’s only', () => {
  assert.equal(planEtcFiles({ ...base, mode: { resolv: 'none', hosts: 'default' }, stage0Resolv: 'nameserver 1.1.1.1\n' }).resolvConf, undefined);
  const s0 = planEtcFiles({ ...base, mode: { resolv: 'stage0', hosts: 'stage0' }, stage0Resolv: 'nameserver 9.9.9.9\n', stage0Hosts: '10.0.0.1 db\n' });
  assert.equal(s0.resolvConf, 'nameserver 9.9.9.9\n');
  assert.equal(s0.hosts, '10.0.0.1 db\n');
  assert.equal(planEtcFiles({ ...base, mode: { resolv: 'stage0', hosts: 'stage0' } }).hosts, undefined);
});
