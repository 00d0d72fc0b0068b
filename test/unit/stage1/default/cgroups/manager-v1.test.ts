// The v1 manager against fake legacy/hybrid trees: hierarchies per controller (cpu,cpuacct
// co-mounted behind symlinks), memsw on or off, with and without a freezer hierarchy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { SkiffError } from '../../../../../common/errors.ts';
import { parseAppName, parsePodUuid } from '../../../../../common/ids.ts';
import { podCgroupPath } from '../../../../../stage1/default/cgroups/cgroup-paths.ts';
import { createCgroupManager } from '../../../../../stage1/default/cgroups/manager.ts';
import type { CgroupManager } from '../../../../../stage1/default/cgroups/manager.ts';
import { createFakeCgroupTree } from './fake-cgroupfs.ts';
import type { FakeCgroupTree, FakeTreeOptions } from './fake-cgroupfs.ts';

const UUID = parsePodUuid('5d2c1b0a-9f8e-4d7c-8b6a-5f4e3d2c1b0a');
const POD = podCgroupPath(UUID);
const WEB = parseAppName('web');
const DB = parseAppName('db');
const TIMING = { pollMs: 1, freezeTimeoutMs: 200, killTimeoutMs: 300, removeTimeoutMs: 50 };
const HIERARCHIES = ['cpu,cpuacct', 'memory', 'pids', 'freezer', 'cpuset', 'systemd'];
const USED = ['cpu,cpuacct', 'freezer', 'memory', 'pids'];

function setup(t: { after: (fn: () => void) => void }, opts: Partial<FakeTreeOptions> = {}): { tree: FakeCgroupTree; mgr: CgroupManager } {
  const tree = createFakeCgroupTree({ version: 'v1', controllers: HIERARCHIES, memsw: true, unified: true, ...opts });
  t.after(() => tree.cleanup());
  const mgr = createCgroupManager({ layout: 'hybrid', root: tree.root, host: tree.host, fs: tree.fs, timing: TIMING });
  return { tree, mgr };
}

const exists = (tree: FakeCgroupTree, rel: string): boolean => fs.existsSync(path.join(tree.root, rel));

test('createApp makes the pod and app cgroups in each hierarchy used, once per co-mounted pair', (t) => {
  const { tree, mgr } = setup(t);
  assert.equal(mgr.version, 'v1');
  const app = mgr.createApp(POD, WEB);
  for (const h of USED) assert.ok(exists(tree, `${h}/${app}/cgroup.procs`), h);
  for (const h of ['cpuset', 'systemd', 'unified']) assert.ok(!exists(tree, `${h}/skiff`), h);
  assert.deepEqual(mgr.dirs(app).map((d) => path.relative(fs.realpathSync(tree.root), d)).sort(), USED.map((h) => `${h}/${app}`));
  mgr.createApp(POD, WEB);
});

test('applyLimits: memory + memsw in the order the kernel accepts, CFS quota and period, shares, pids', (t) => {
  const { tree, mgr } = setup(t);
  const app = mgr.createApp(POD, WEB);
  mgr.applyLimits(app, { memoryBytes: 64 << 20, cpuQuotaUs: 50_000, cpuPeriodUs: 100_000, cpuShares: 512, pidsMax: 64 });
  assert.equal(tree.get(`memory/${app}/memory.limit_in_bytes`), `${64 << 20}\n`);
  assert.equal(tree.get(`memory/${app}/memory.memsw.limit_in_bytes`), `${64 << 20}\n`);
  assert.equal(tree.get(`cpu/${app}/cpu.cfs_quota_us`), '50000\n');
  assert.equal(tree.get(`cpu/${app}/cpu.cfs_period_us`), '100000\n');
  assert.equal(tree.get(`cpu/${app}/cpu.shares`), '512\n');
  assert.equal(tree.get(`pids/${app}/pids.max`), '64\n');
  // Raising it: memsw must go first, or the kernel refuses memory.limit_in_bytes > memsw.
  tree.writes.length = 0;
  mgr.applyLimits(app, { memoryBytes: 128 << 20 });
  assert.deepEqual(tree.writes.map((w) => path.basename(w.file)), ['memory.memsw.limit_in_bytes', 'memory.limit_in_bytes']);
  tree.writes.length = 0;
  mgr.applyLimits(app, { memoryBytes: 32 << 20 });
  assert.deepEqual(tree.writes.map((w) => path.basename(w.file)), ['memory.limit_in_bytes', 'memory.memsw.limit_in_bytes']);
  assert.equal(tree.get(`memory/${app}/memory.memsw.limit_in_bytes`), `${32 << 20}\n`);
  // memswToo: false (a limit stage1 sets above the runtime's cgroup): memory only, as runc does.
  tree.writes.length = 0;
  mgr.applyLimits(app, { memoryBytes: 16 << 20, memswToo: false });
  assert.deepEqual(tree.writes.map((w) => path.basename(w.file)), ['memory.limit_in_bytes']);
});

test('applyLimits without swap accounting, and without a pids hierarchy', (t) => {
  const { tree, mgr } = setup(t, { memsw: false, controllers: ['cpu,cpuacct', 'memory', 'freezer'] });
  const app = mgr.createApp(POD, WEB);
  mgr.applyLimits(app, { memoryBytes: 16 << 20 });
  assert.equal(tree.get(`memory/${app}/memory.limit_in_bytes`), `${16 << 20}\n`);
  assert.ok(!exists(tree, `memory/${app}/memory.memsw.limit_in_bytes`));
  assert.throws(() => mgr.applyLimits(app, { pidsMax: 5 }), (err: unknown) => {
    assert.ok(err instanceof SkiffError);
    assert.match(err.message, /cannot limit pids: no pids cgroup hierarchy is mounted at .*\/pids/);
    return true;
  });
});

test('addProcess joins every hierarchy used; listProcesses is recursive', async (t) => {
  const { tree, mgr } = setup(t);
  const web = mgr.createApp(POD, WEB);
  const db = mgr.createApp(POD, DB);
  tree.spawn(300, '');
  tree.spawn(200, '');
  await mgr.addProcess(web, 300);
  await mgr.addProcess(db, 200);
  for (const h of USED) {
    assert.equal(tree.get(`${h}/${web}/cgroup.procs`), '300\n', h);
    assert.equal(tree.get(`${h}/cgroup.procs`), '', h);
  }
  assert.equal(tree.get('cpuset/cgroup.procs'), '300\n200\n', 'hierarchies skiff does not use are left alone');
  assert.deepEqual(mgr.listProcesses(POD), [200, 300]);
  await assert.rejects(mgr.addProcess(podCgroupPath(parsePodUuid('11111111-2222-4333-8444-555555555555')), 300), /does not exist/);
});

test('killAll SIGKILL with a freezer: FROZEN, signal, THAWED; the killed die on thaw and nothing forks', async (t) => {
  const { tree, mgr } = setup(t);
  const web = mgr.createApp(POD, WEB);
  const db = mgr.createApp(POD, DB);
  tree.spawn(10, web, { forksOnSignal: 11 });
  tree.spawn(20, db);
  assert.deepEqual(await mgr.killAll(POD, 'SIGKILL'), [10, 20]);
  const freezer = tree.writes.filter((w) => w.file.endsWith('freezer.state'));
  assert.equal(freezer[0]?.value, 'FROZEN');
  assert.equal(freezer.at(-1)?.value, 'THAWED');
  assert.deepEqual(tree.signals, [{ pid: 10, signal: 'SIGKILL' }, { pid: 20, signal: 'SIGKILL' }]);
  assert.deepEqual(tree.alive(), []);
  assert.equal(tree.get(`freezer/${POD}/freezer.state`), 'THAWED\n');
});

test('killAll without a freezer hierarchy: SIGKILL again until empty', async (t) => {
  const { tree, mgr } = setup(t, { controllers: ['cpu,cpuacct', 'memory', 'pids'] });
  const web = mgr.createApp(POD, WEB);
  tree.spawn(10, web, { forksOnSignal: 11 });
  assert.deepEqual(await mgr.killAll(web, 'SIGKILL'), [10, 11]);
  assert.deepEqual(tree.alive(), []);
});

test('killAll SIGTERM: one pass, no waiting', async (t) => {
  const { tree, mgr } = setup(t);
  const web = mgr.createApp(POD, WEB);
  tree.spawn(10, web, { ignores: ['SIGTERM'] });
  tree.spawn(12, web);
  assert.deepEqual(await mgr.killAll(web, 'SIGTERM'), [10, 12]);
  assert.deepEqual(tree.alive(), [10]);
});

test('remove clears the pod from every hierarchy, runc\'s extra ones and the hybrid cgroup2 tree too', async (t) => {
  const { tree, mgr } = setup(t);
  const web = mgr.createApp(POD, WEB);
  // What runc adds: the same path in the hierarchies skiff leaves alone.
  for (const h of ['cpuset', 'systemd', 'unified']) {
    for (const dir of ['skiff', POD, web]) tree.fs.mkdir(path.join(tree.root, h, dir));
  }
  tree.spawn(10, web);
  await assert.rejects(mgr.remove(POD), /processes 10 are still in it/);
  await mgr.killAll(POD, 'SIGKILL');
  await mgr.remove(POD);
  for (const h of [...USED, 'cpuset', 'systemd', 'unified']) {
    assert.ok(!exists(tree, `${h}/${POD}`), h);
    assert.ok(exists(tree, `${h}/skiff`), `${h}: the skiff parent stays`);
  }
  await mgr.remove(POD);
});

test('readStats and oomKilled: usage, peak, oom_control, cpuacct.usage, pids.current', (t) => {
  const { tree, mgr } = setup(t);
  const web = mgr.createApp(POD, WEB);
  tree.set(`memory/${web}/memory.usage_in_bytes`, '1048576\n');
  tree.set(`memory/${web}/memory.max_usage_in_bytes`, '2097152\n');
  tree.set(`cpu,cpuacct/${web}/cpuacct.usage`, '123456789\n');
  tree.set(`pids/${web}/pids.current`, '2\n');
  assert.deepEqual(mgr.readStats(web), { memoryBytes: 1_048_576, memoryMaxBytes: 2_097_152, cpuUsageNs: 123_456_789, pids: 2, oomKills: 0 });
  assert.equal(mgr.oomKilled(web), false);
  tree.set(`memory/${web}/memory.oom_control`, 'oom_kill_disable 0\nunder_oom 0\noom_kill 1\n');
  assert.equal(mgr.oomKilled(web), true);
  assert.equal(mgr.readStats(web).oomKills, 1);
});

test('killAll on a pod whose cgroup is already gone (gc after a crash) kills nothing', async (t) => {
  const { tree, mgr } = setup(t);
  assert.deepEqual(await mgr.killAll(POD, 'SIGKILL'), []);
  assert.deepEqual(tree.writes, []);
});
