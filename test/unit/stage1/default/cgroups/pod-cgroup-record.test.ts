import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { parseAppName, parsePodUuid } from '../../../../../common/ids.ts';
import { podCgroupPath } from '../../../../../stage1/default/cgroups/cgroup-paths.ts';
import { buildCgroupsRecord, cgroupHierarchies, oomCounter, podCgroupTeardownDirs, runtimeCgroupNested } from '../../../../../stage1/default/cgroups/pod-cgroup-record.ts';
import { createFakeCgroupTree } from './fake-cgroupfs.ts';
import type { FakeCgroupTree } from './fake-cgroupfs.ts';

const trees: FakeCgroupTree[] = [];
after(() => trees.forEach((t) => t.cleanup()));
const UUID = parsePodUuid('6f1c2a4e-1b2c-4d5e-8f90-123456789abc');
const POD = podCgroupPath(UUID);
const APPS = [parseAppName('web'), parseAppName('db')];

test('v1 (hybrid): one directory per controller, co-mounted hierarchies seen once, cgroup2 included for teardown', () => {
  const t = createFakeCgroupTree({ version: 'v1', controllers: ['memory', 'cpu,cpuacct', 'pids', 'freezer', 'devices'], unified: true });
  trees.push(t);
  const rec = buildCgroupsRecord(t.fs, t.root, 'hybrid', POD, APPS);
  assert.equal(rec.cgroupVersion, 'v1');
  assert.equal(rec.pod, `skiff/${UUID}`);
  assert.deepEqual(rec.apps[0], {
    app: 'web',
    memory: path.join(t.root, 'memory', POD, 'web'),
    cpu: path.join(t.root, 'cpu,cpuacct', POD, 'web'),
    pids: path.join(t.root, 'pids', POD, 'web'),
  });
  const hierarchies = cgroupHierarchies(t.fs, t.root, 'hybrid');
  assert.deepEqual(hierarchies.map((h) => path.basename(h)), ['cpu,cpuacct', 'devices', 'freezer', 'memory', 'pids', 'unified']);
  const dirs = podCgroupTeardownDirs(hierarchies, POD, APPS);
  assert.equal(dirs.length, hierarchies.length * 3);
  assert.deepEqual(dirs.slice(-1), [path.join(t.root, 'unified', POD)], 'pods after every app: deepest first');
  assert.ok(dirs.indexOf(path.join(t.root, 'memory', POD, 'db')) < dirs.indexOf(path.join(t.root, 'memory', POD)));

  const nested = podCgroupTeardownDirs(hierarchies, POD, APPS, true);
  assert.equal(nested.length, hierarchies.length * 5);
  assert.deepEqual(nested.slice(hierarchies.length * 2), dirs, 'the runtime’s cgroups first, then as before');
  assert.ok(nested.includes(path.join(t.root, 'pids', POD, 'web', 'container')));
});

test('the runtime’s cgroup is nested below the app’s on v1 and hybrid hosts when the runtime removes it on exit', () => {
  assert.equal(runtimeCgroupNested('hybrid', false), true);
  assert.equal(runtimeCgroupNested('v1', false), true);
  assert.equal(runtimeCgroupNested('v2', false), false, 'v2 counts OOM kills in the parent too');
  assert.equal(runtimeCgroupNested('hybrid', true), false, 'runc --keep keeps its cgroup until delete');
});

test('v2: one directory for everything', () => {
  const t = createFakeCgroupTree({ version: 'v2', controllers: ['memory', 'cpu', 'pids'] });
  trees.push(t);
  const rec = buildCgroupsRecord(t.fs, t.root, 'v2', POD, APPS);
  const dir = path.join(t.root, POD, 'db');
  assert.deepEqual(rec.apps[1], { app: 'db', memory: dir, cpu: dir, pids: dir });
  assert.deepEqual(cgroupHierarchies(t.fs, t.root, 'v2'), [t.root]);
});

test('the OOM counter: the app’s own with a runtime that keeps the container, the pod’s on v2 otherwise', () => {
  const v1 = { version: 1 as const, cgroupVersion: 'v1' as const, pod: POD, apps: [] };
  const v2 = { ...v1, cgroupVersion: 'v2' as const };
  const app = { app: 'web', memory: `/cg/${POD}/web` };
  assert.deepEqual(oomCounter(v1, app, true), { file: `/cg/${POD}/web/memory.oom_control`, rule: 'own' });
  assert.deepEqual(oomCounter(v2, app, true), { file: `/cg/${POD}/web/memory.events`, rule: 'own' });
  assert.deepEqual(oomCounter(v2, app, false), { file: `/cg/${POD}/memory.events`, rule: 'pod' });
  assert.deepEqual(oomCounter(v1, app, false), { file: `/cg/${POD}/web`, rule: 'limit' }, 'v1 does not count kills in the parent');
  assert.deepEqual(oomCounter(v1, { app: 'x' }, true), { file: '', rule: 'own' });
});
