// The v2 manager against fake unified trees: one with cgroup.kill (Linux ≥ 5.14), one without
// (freeze, signal, thaw), one with neither (signal until empty).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { SkiffError } from '../../../../../common/errors.ts';
import { parseAppName, parsePodUuid } from '../../../../../common/ids.ts';
import { podCgroupPath } from '../../../../../stage1/default/cgroups/cgroup-paths.ts';
import { createCgroupManager } from '../../../../../stage1/default/cgroups/manager.ts';
import type { CgroupManager } from '../../../../../stage1/default/cgroups/manager.ts';
import { cpuSharesToWeight } from '../../../../../stage1/default/cgroups/manager-v2.ts';
import { createFakeCgroupTree } from './fake-cgroupfs.ts';
import type { FakeCgroupTree, FakeTreeOptions } from './fake-cgroupfs.ts';

const UUID = parsePodUuid('0b7e6a52-3c1d-4e2f-9a8b-7c6d5e4f3a21');
const POD = podCgroupPath(UUID);
const WEB = parseAppName('web');
const DB = parseAppName('db');
const TIMING = { pollMs: 1, freezeTimeoutMs: 200, killTimeoutMs: 300, removeTimeoutMs: 50 };

function setup(t: { after: (fn: () => void) => void }, opts: Partial<FakeTreeOptions> = {}): { tree: FakeCgroupTree; mgr: CgroupManager } {
  const tree = createFakeCgroupTree({ version: 'v2', controllers: ['cpuset', 'cpu', 'io', 'memory', 'pids'], ...opts });
  t.after(() => tree.cleanup());
  const mgr = createCgroupManager({ layout: 'v2', root: tree.root, host: tree.host, fs: tree.fs, timing: TIMING });
  return { tree, mgr };
}

test('createApp enables controllers level by level and leaves the app a leaf', (t) => {
  const { tree, mgr } = setup(t);
  const app = mgr.createApp(POD, WEB);
  assert.equal(app, `skiff/${UUID}/web`);
  assert.equal(mgr.version, 'v2');
  for (const dir of ['', 'skiff', POD]) {
    assert.equal(tree.get(path.join(dir, 'cgroup.subtree_control')), 'cpuset cpu io memory pids', dir);
  }
  assert.equal(tree.get(path.join(app, 'cgroup.subtree_control')), '');
  assert.equal(tree.get(path.join(app, 'cgroup.controllers')), 'cpuset cpu io memory pids\n');
  assert.deepEqual(mgr.dirs(app), [path.join(tree.root, app)]);
  // Idempotent, and without rewriting what is already enabled.
  const before = tree.writes.length;
  mgr.createApp(POD, WEB);
  assert.equal(tree.writes.length, before);
});

test('a controller the host will not enable does not keep the others off', (t) => {
  const { tree, mgr } = setup(t, { controllers: ['cpu', 'memory', 'pids'] });
  fs.writeFileSync(path.join(tree.root, 'cgroup.subtree_control'), '');
  // The root offers "rdma" but writing it fails (ENOENT in the fake: not really available).
  const original = tree.fs.write;
  tree.fs.write = (file, value) => {
    if (value.includes('+rdma')) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    original(file, value);
  };
  fs.writeFileSync(path.join(tree.root, 'cgroup.controllers'), 'cpu rdma memory pids\n');
  mgr.createPod(POD);
  assert.equal(tree.get('cgroup.subtree_control'), 'cpu memory pids');
});

test('applyLimits: memory.max with no swap, cpu.max, cpu.weight converted from shares, pids.max', (t) => {
  const { tree, mgr } = setup(t);
  const app = mgr.createApp(POD, WEB);
  mgr.applyLimits(app, { memoryBytes: 64 * 1024 * 1024, cpuQuotaUs: 50_000, cpuPeriodUs: 100_000, cpuShares: 512, pidsMax: 64 });
  assert.equal(tree.get(`${app}/memory.max`), '67108864\n');
  assert.equal(tree.get(`${app}/memory.swap.max`), '0\n');
  assert.equal(tree.get(`${app}/cpu.max`), '50000 100000\n');
  assert.equal(tree.get(`${app}/cpu.weight`), '59\n');
  assert.equal(tree.get(`${app}/pids.max`), '64\n');
  // A quota alone keeps the period.
  mgr.applyLimits(app, { cpuQuotaUs: 25_000 });
  assert.equal(tree.get(`${app}/cpu.max`), '25000 100000\n');
});

test('cpu.weight from shares: runc\'s curve through 2→1, 1024→100, 262144→10000', () => {
  assert.deepEqual([0, 2, 3, 512, 1024, 2048, 100_000, 262_144, 1_000_000].map(cpuSharesToWeight), [0, 1, 2, 59, 100, 174, 4340, 10_000, 10_000]);
});

test('applyLimits refuses bad values and says which controller is missing', (t) => {
  const { mgr } = setup(t, { controllers: ['cpu', 'memory'] });
  const app = mgr.createApp(POD, WEB);
  assert.throws(() => mgr.applyLimits(app, { memoryBytes: -1 }), (err: unknown) => err instanceof SkiffError && err.code === 'USAGE' && /memoryBytes=-1/.test(err.message));
  assert.throws(() => mgr.applyLimits(app, { cpuShares: 1.5 }), /cpuShares=1.5/);
  assert.throws(() => mgr.applyLimits(app, { pidsMax: 10 }), (err: unknown) => {
    assert.ok(err instanceof SkiffError);
    assert.match(err.message, /writing "10" to .*pids\.max: open .*ENOENT/);
    assert.match(err.hint ?? '', /controller/);
    return true;
  });
  assert.throws(() => mgr.applyLimits(podCgroupPath(parsePodUuid('11111111-2222-4333-8444-555555555555')), { pidsMax: 1 }), /does not exist/);
});

test('addProcess moves a pid into a leaf; listProcesses is recursive; internal processes are refused', async (t) => {
  const { tree, mgr } = setup(t);
  const web = mgr.createApp(POD, WEB);
  const db = mgr.createApp(POD, DB);
  tree.spawn(300, '');
  tree.spawn(200, '');
  await mgr.addProcess(web, 300);
  await mgr.addProcess(db, 200);
  assert.equal(tree.get('cgroup.procs'), '');
  assert.deepEqual(mgr.listProcesses(web), [300]);
  assert.deepEqual(mgr.listProcesses(POD), [200, 300]);
  tree.spawn(400, '');
  await assert.rejects(mgr.addProcess(POD, 400), /cgroup\.procs: write .*EBUSY/);
  await assert.rejects(mgr.addProcess(web, 999), /process 999 .*has exited/);
});

test('killAll SIGKILL with cgroup.kill: the kernel kills the subtree, no pid is signalled one by one', async (t) => {
  const { tree, mgr } = setup(t, { cgroupKill: true });
  const web = mgr.createApp(POD, WEB);
  const db = mgr.createApp(POD, DB);
  tree.spawn(10, web, { forksOnSignal: 11 });
  tree.spawn(20, db, { ignores: ['SIGTERM'] });
  assert.deepEqual(await mgr.killAll(POD, 'SIGKILL'), [10, 20]);
  assert.deepEqual(tree.writes.filter((w) => w.file.endsWith('cgroup.kill')), [{ file: `${POD}/cgroup.kill`, value: '1' }]);
  assert.deepEqual(tree.signals, []);
  assert.deepEqual(tree.alive(), []);
  assert.deepEqual(mgr.listProcesses(POD), []);
});

test('killAll SIGKILL without cgroup.kill: freeze, signal every pid, thaw; nothing forks meanwhile', async (t) => {
  const { tree, mgr } = setup(t, { cgroupKill: false });
  const web = mgr.createApp(POD, WEB);
  tree.spawn(10, web, { forksOnSignal: 11 });
  tree.spawn(12, web);
  assert.deepEqual(await mgr.killAll(web, 'SIGKILL'), [10, 12]);
  assert.deepEqual(tree.writes.map((w) => `${path.basename(w.file)}=${w.value}`).filter((w) => w.startsWith('cgroup.freeze')), ['cgroup.freeze=1', 'cgroup.freeze=0']);
  assert.deepEqual(tree.signals, [{ pid: 10, signal: 'SIGKILL' }, { pid: 12, signal: 'SIGKILL' }]);
  assert.deepEqual(tree.alive(), []);
  assert.equal(tree.get(`${web}/cgroup.freeze`), '0\n');
});

test('killAll SIGTERM signals once and returns: a process that ignores it is still there', async (t) => {
  const { tree, mgr } = setup(t, { cgroupKill: true });
  const web = mgr.createApp(POD, WEB);
  tree.spawn(10, web);
  tree.spawn(12, web, { ignores: ['SIGTERM'] });
  assert.deepEqual(await mgr.killAll(POD, 'SIGTERM'), [10, 12]);
  assert.deepEqual(tree.alive(), [12]);
  assert.deepEqual(mgr.listProcesses(POD), [12]);
  assert.ok(!tree.writes.some((w) => w.file.endsWith('cgroup.kill')), 'cgroup.kill only ever means SIGKILL');
});

test('no freezer and no cgroup.kill: SIGKILL again until the cgroup is empty (a fork slipped through)', async (t) => {
  const { tree, mgr } = setup(t, { cgroupKill: false, freeze: false });
  const web = mgr.createApp(POD, WEB);
  tree.spawn(10, web, { forksOnSignal: 11 });
  assert.deepEqual(await mgr.killAll(web, 'SIGKILL'), [10, 11]);
  assert.deepEqual(tree.signals.map((s) => s.pid), [10, 11]);
  assert.deepEqual(tree.alive(), []);
});

test('a freeze that does not settle: the pids are signalled unfrozen, and the cgroup is thawed', async (t) => {
  const { tree, mgr } = setup(t, { cgroupKill: false, freezeDelay: 1_000_000 });
  const web = mgr.createApp(POD, WEB);
  tree.spawn(10, web);
  assert.deepEqual(await mgr.killAll(web, 'SIGKILL'), [10]);
  assert.equal(tree.get(`${web}/cgroup.freeze`), '0\n');
  assert.deepEqual(tree.alive(), []);
});

test('remove: depth-first, keeps the skiff parent, tolerates a pod already gone; busy cgroups are named', async (t) => {
  const { tree, mgr } = setup(t, { cgroupKill: true });
  const web = mgr.createApp(POD, WEB);
  mgr.createApp(POD, DB);
  fs.mkdirSync(path.join(tree.root, web, 'runtime-child')); // a cgroup the runtime made below ours
  fs.writeFileSync(path.join(tree.root, web, 'runtime-child', 'cgroup.procs'), '');
  tree.spawn(10, web);
  await assert.rejects(mgr.remove(POD), (err: unknown) => {
    assert.ok(err instanceof SkiffError);
    assert.match(err.message, /removing cgroup .*\/skiff\/[0-9a-f-]+: processes 10 are still in it \(rmdir .*\/web: EBUSY\)/);
    assert.match(err.hint ?? '', /skiff stop --force/);
    return true;
  });
  await mgr.killAll(POD, 'SIGKILL');
  await mgr.remove(POD);
  assert.ok(!fs.existsSync(path.join(tree.root, POD)));
  assert.ok(fs.existsSync(path.join(tree.root, 'skiff')));
  await mgr.remove(POD);
});

test('readStats and oomKilled read memory.current, memory.peak, cpu.stat, pids.current, memory.events', (t) => {
  const { tree, mgr } = setup(t, { memoryPeak: true });
  const web = mgr.createApp(POD, WEB);
  tree.set(`${web}/memory.current`, '4096000\n');
  tree.set(`${web}/memory.peak`, '8192000\n');
  tree.set(`${web}/cpu.stat`, 'usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n');
  tree.set(`${web}/pids.current`, '3\n');
  assert.deepEqual(mgr.readStats(web), { memoryBytes: 4_096_000, memoryMaxBytes: 8_192_000, cpuUsageNs: 1_500_000, pids: 3, oomKills: 0 });
  assert.equal(mgr.oomKilled(web), false);
  tree.set(`${web}/memory.events`, 'low 0\nhigh 0\nmax 7\noom 1\noom_kill 1\noom_group_kill 0\n');
  assert.equal(mgr.oomKilled(web), true);
  assert.equal(mgr.readStats(web).oomKills, 1);
});

test('readStats on an older kernel: no memory.peak, pids counted from cgroup.procs without the pids controller', async (t) => {
  const { tree, mgr } = setup(t, { controllers: ['cpu', 'memory'] });
  const web = mgr.createApp(POD, WEB);
  tree.spawn(10, '');
  await mgr.addProcess(web, 10);
  const stats = mgr.readStats(web);
  assert.equal(stats.memoryMaxBytes, undefined);
  assert.equal(stats.pids, 1);
});

test('killAll on a pod whose cgroup is already gone (gc after a crash) kills nothing', async (t) => {
  const { tree, mgr } = setup(t, { cgroupKill: true });
  assert.deepEqual(await mgr.killAll(POD, 'SIGKILL'), []);
  assert.deepEqual(tree.writes, []);
});
