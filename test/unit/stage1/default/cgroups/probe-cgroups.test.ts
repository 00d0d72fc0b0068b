import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { probeCgroups } from '../../../../../stage1/default/cgroups/probe-cgroups.ts';
import { createFakeHost } from '../../../../helpers/fake-host.ts';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../fixtures/stage1/default/cgroups');
const fixture = (name: string): string => fs.readFileSync(path.join(FIXTURES, name), 'utf8');

/** A temp root standing in for /sys/fs/cgroup, and a host whose mountinfo says it is mounted there. */
function hostFor(t: { after: (fn: () => void) => void }, mountinfo: string): { root: string; host: ReturnType<typeof createFakeHost> } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-probe-cgroups-'));
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  const text = fixture(mountinfo).replaceAll('/sys/fs/cgroup', root);
  return { root, host: createFakeHost({ procFiles: (name) => (name === 'self/mountinfo' ? text : '') }) };
}

test('this machine: hybrid, hugetlb on the cgroup2 side', (t) => {
  const { root, host } = hostFor(t, 'mountinfo-hybrid');
  fs.mkdirSync(path.join(root, 'unified'));
  fs.copyFileSync(path.join(FIXTURES, 'unified-cgroup.controllers'), path.join(root, 'unified', 'cgroup.controllers'));
  assert.deepEqual(probeCgroups(host, root), {
    layout: 'hybrid',
    root,
    unifiedMount: path.join(root, 'unified'),
    unifiedControllers: ['hugetlb'],
    v1Controllers: ['blkio', 'cpu', 'cpuacct', 'cpuset', 'devices', 'freezer', 'memory', 'name=systemd', 'pids'],
  });
});

test('pure v2: the root\'s controllers', (t) => {
  const { root, host } = hostFor(t, 'mountinfo-v2');
  fs.writeFileSync(path.join(root, 'cgroup.controllers'), 'cpuset cpu io memory hugetlb pids rdma misc\n');
  const facts = probeCgroups(host, root);
  assert.equal(facts.layout, 'v2');
  assert.deepEqual(facts.unifiedControllers, ['cpuset', 'cpu', 'io', 'memory', 'hugetlb', 'pids', 'rdma', 'misc']);
  assert.deepEqual(facts.v1Controllers, []);
});

test('legacy v1: no cgroup2 tree at all', (t) => {
  const { root, host } = hostFor(t, 'mountinfo-v1');
  const facts = probeCgroups(host, root);
  assert.equal(facts.layout, 'v1');
  assert.equal(facts.unifiedMount, undefined);
  assert.deepEqual(facts.unifiedControllers, []);
  assert.ok(facts.v1Controllers.includes('cpuacct'));
});
