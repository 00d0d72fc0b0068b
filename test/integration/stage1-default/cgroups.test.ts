// The default stage1's cgroups on the real host (root only): the runtime choice against what
// crun and runc actually do here, then pod and app cgroups under /sys/fs/cgroup with real
// processes: limits written and read back, stats, killing a whole cgroup (forks included),
// removal leaving nothing, and an app OOM-killed at its memory limit.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLinuxHost } from '../../../common/host-linux.ts';
import { parseAppName, parsePodUuid } from '../../../common/ids.ts';
import { ociCgroupsPath, podCgroupPath } from '../../../stage1/default/cgroups/cgroup-paths.ts';
import type { CgroupPath } from '../../../stage1/default/cgroups/cgroup-paths.ts';
import { DEFAULT_CGROUP_ROOT } from '../../../stage1/default/cgroups/detect-layout.ts';
import { createCgroupManager } from '../../../stage1/default/cgroups/manager.ts';
import type { CgroupManager } from '../../../stage1/default/cgroups/manager.ts';
import { probeCgroups } from '../../../stage1/default/cgroups/probe-cgroups.ts';
import type { CgroupFacts } from '../../../stage1/default/cgroups/probe-cgroups.ts';
import { chooseRuntime, crunRefusal, describeRuntimeChoice } from '../../../stage1/default/runtime/choose-runtime.ts';
import { probeRuntimes } from '../../../stage1/default/runtime/probe-runtimes.ts';
import { maskingWrapper } from '../../../stage1/default/runtime/runtime-record.ts';
import { buildBusyboxRootfs, missingTools } from '../../helpers/images.ts';

const skip = process.getuid?.() !== 0 ? 'needs root (cgroups)' : !fs.existsSync(DEFAULT_CGROUP_ROOT) ? `no ${DEFAULT_CGROUP_ROOT}` : false;
const MiB = 1024 * 1024;

/** A shell whose work starts only once it is in its cgroup, so what it allocates is charged there. */
interface Gated {
  child: ChildProcess;
  pid: number;
  start(): void;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function gatedShell(script: string): Gated {
  const child = spawn('/bin/sh', ['-c', `read go; ${script}`], { stdio: ['pipe', 'ignore', 'ignore'] });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  assert.ok(child.pid, 'spawned');
  return { child, pid: child.pid, start: () => child.stdin?.end('go\n'), exited };
}

describe('default stage1 cgroups on this host', { skip }, () => {
  const host = createLinuxHost();
  let facts: CgroupFacts;
  let mgr: CgroupManager;
  const pods: CgroupPath[] = [];
  const children: ChildProcess[] = [];

  const newPod = (): CgroupPath => {
    const pod = podCgroupPath(parsePodUuid(randomUUID()));
    pods.push(pod);
    mgr.createPod(pod);
    return pod;
  };
  const gated = (script: string): Gated => {
    const g = gatedShell(script);
    children.push(g.child);
    return g;
  };
  /** Every directory the pod left in any hierarchy under the root. */
  const leftovers = (pod: CgroupPath): string[] =>
    fs.readdirSync(facts.root).map((h) => path.join(facts.root, h, pod)).filter((d) => fs.existsSync(d));

  before(() => {
    facts = probeCgroups(host);
    mgr = createCgroupManager({ layout: facts.layout, root: facts.root, host, timing: { removeTimeoutMs: 5000 } });
  });

  after(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const pod of pods) {
      await mgr.killAll(pod, 'SIGKILL').catch(() => undefined);
      await mgr.remove(pod).catch(() => undefined);
    }
  });

  test('the runtime chosen is the one the cgroup layout allows', () => {
    const available = probeRuntimes(host);
    const choice = chooseRuntime({ available, cgroupLayout: facts.layout, unifiedControllers: facts.unifiedControllers, ...(facts.unifiedMount ? { unifiedMount: facts.unifiedMount } : {}) });
    const refusal = crunRefusal({ cgroupLayout: facts.layout, unifiedControllers: facts.unifiedControllers });
    if (facts.layout === 'hybrid' && facts.unifiedControllers.includes('hugetlb') && available.some((r) => r.name === 'crun')) {
      // This machine (HOST-NOTES.md): hybrid, hugetlb on the cgroup2 side.
      assert.equal(choice.name, 'crun');
      assert.equal(choice.maskControllers, path.join(facts.unifiedMount!, 'cgroup.controllers'));
      assert.match(describeRuntimeChoice(choice), /^runtime: crun \S+ \/\S+\/crun \(crun is preferred .*; crun refuses hybrid cgroups with hugetlb enabled on the cgroup2 side, so it runs with \S+ masked in a mount namespace of its own\)$/);
    } else {
      assert.equal(choice.name, !refusal && available.some((r) => r.name === 'crun') ? 'crun' : 'runc');
    }
  });

  test('crun and runc do what the choice predicts, and both honour our cgroupsPath', { skip: missingTools('crun', 'runc', 'busybox').length > 0 ? 'needs crun, runc, busybox' : false }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-runtime-probe-'));
    try {
      const rootfs = await buildBusyboxRootfs(path.join(dir, 'rootfs'));
      const pod = newPod();
      const app = mgr.createApp(pod, parseAppName('probe'));
      spawnSync('runc', ['spec', '-b', dir], { stdio: 'ignore' });
      const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as {
        root: { path: string }; process: { terminal: boolean; args: string[] }; linux: { cgroupsPath?: string };
      };
      config.root.path = rootfs;
      config.process.terminal = false;
      config.process.args = ['/bin/cat', '/proc/self/cgroup'];
      config.linux.cgroupsPath = ociCgroupsPath(app);
      fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
      const run = (runtime: string, wrapper: readonly string[] = []) => {
        const argv = [...wrapper, runtime, 'run', '-b', dir, `skiff-probe-${runtime}-${process.pid}`];
        return spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', timeout: 30_000 });
      };
      const cgroupOf = (out: string): string | undefined => out.split('\n').find((l) => /:memory:|^0::/.test(l));
      const refusal = crunRefusal({ cgroupLayout: facts.layout, unifiedControllers: facts.unifiedControllers });
      const crun = run('crun');
      if (refusal) {
        assert.notEqual(crun.status, 0);
        assert.match(crun.stderr, /cgroups in hybrid mode not supported/);
        // With the cgroup2 side's controllers masked in its own mount namespace, it runs.
        const wrapper = maskingWrapper({ unshare: 'unshare', mount: 'mount' }, path.join(facts.unifiedMount!, 'cgroup.controllers'));
        const masked = run('crun', wrapper);
        assert.equal(masked.status, 0, masked.stderr);
        assert.ok(cgroupOf(masked.stdout)?.endsWith(`/${app}`), masked.stdout);
        assert.equal(fs.readFileSync(path.join(facts.unifiedMount!, 'cgroup.controllers'), 'utf8').trim(), facts.unifiedControllers.join(' '), 'the host still sees its controllers');
      } else {
        assert.equal(crun.status, 0, crun.stderr);
      }
      const runc = run('runc');
      assert.equal(runc.status, 0, runc.stderr);
      assert.ok(cgroupOf(runc.stdout)?.endsWith(`/${app}`), runc.stdout);
      await mgr.remove(pod);
      assert.deepEqual(leftovers(pod), []);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a process in an app cgroup: limits read back, sane stats, killAll, nothing left after remove', async () => {
    const pod = newPod();
    const app = mgr.createApp(pod, parseAppName('sleeper'));
    const proc = gated('exec sleep 30');
    await mgr.addProcess(app, proc.pid);
    proc.start();
    mgr.applyLimits(app, { memoryBytes: 64 * MiB, cpuQuotaUs: 50_000, cpuPeriodUs: 100_000, cpuShares: 512, pidsMax: 16 });
    const readBack = (controller: string, file: string): string => fs.readFileSync(path.join(facts.root, controller, app, file), 'utf8').trim();
    if (mgr.version === 'v1') {
      assert.equal(readBack('memory', 'memory.limit_in_bytes'), String(64 * MiB));
      if (fs.existsSync(path.join(facts.root, 'memory', app, 'memory.memsw.limit_in_bytes'))) {
        assert.equal(readBack('memory', 'memory.memsw.limit_in_bytes'), String(64 * MiB));
      }
      assert.equal(readBack('cpu', 'cpu.cfs_quota_us'), '50000');
      assert.equal(readBack('cpu', 'cpu.cfs_period_us'), '100000');
      assert.equal(readBack('cpu', 'cpu.shares'), '512');
      assert.equal(readBack('pids', 'pids.max'), '16');
    } else {
      assert.equal(readBack('', 'memory.max'), String(64 * MiB));
      assert.equal(readBack('', 'cpu.max'), '50000 100000');
      assert.equal(readBack('', 'pids.max'), '16');
    }
    assert.deepEqual(mgr.listProcesses(pod), [proc.pid]);
    // Wait for the exec of sleep, which is charged to the new cgroup.
    await new Promise((r) => setTimeout(r, 200));
    const stats = mgr.readStats(app);
    assert.ok(stats.memoryBytes > 0 && stats.memoryBytes < 64 * MiB, `memory ${stats.memoryBytes}`);
    assert.ok(stats.memoryMaxBytes === undefined || stats.memoryMaxBytes >= stats.memoryBytes, `peak ${stats.memoryMaxBytes}`);
    assert.ok(stats.cpuUsageNs > 0 && stats.cpuUsageNs < 5e9, `cpu ${stats.cpuUsageNs}`);
    assert.equal(stats.pids, 1);
    assert.equal(stats.oomKills, 0);
    assert.equal(mgr.oomKilled(app), false);

    assert.deepEqual(await mgr.killAll(pod, 'SIGKILL'), [proc.pid]);
    assert.deepEqual(await proc.exited, { code: null, signal: 'SIGKILL' });
    assert.deepEqual(mgr.listProcesses(pod), []);
    await mgr.remove(pod);
    assert.deepEqual(leftovers(pod), []);
    assert.ok(fs.existsSync(mgr.dirs(app)[0]!.split(pod)[0]!), 'the skiff parent stays');
  });

  test('killAll takes a process tree that keeps forking; SIGTERM reaches every process', async () => {
    const pod = newPod();
    const app = mgr.createApp(pod, parseAppName('forker'));
    mgr.applyLimits(app, { pidsMax: 64 });
    const forker = gated('while :; do sleep 30 & sleep 0.01; done');
    await mgr.addProcess(app, forker.pid);
    forker.start();
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(mgr.listProcesses(app).length > 5, `forked: ${mgr.listProcesses(app).length}`);
    await mgr.killAll(pod, 'SIGKILL');
    assert.equal((await forker.exited).signal, 'SIGKILL');
    assert.deepEqual(mgr.listProcesses(pod), []);

    const app2 = mgr.createApp(pod, parseAppName('quiet'));
    const a = gated('sleep 30 & sleep 30 & wait');
    await mgr.addProcess(app2, a.pid);
    a.start();
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(mgr.listProcesses(app2).length, 3);
    const signalled = await mgr.killAll(app2, 'SIGTERM');
    assert.equal(signalled.length, 3);
    assert.equal((await a.exited).signal, 'SIGTERM');
    await mgr.remove(pod);
    assert.deepEqual(leftovers(pod), []);
  });

  test('an app allocating past its memory limit is OOM-killed, and oomKilled() says so', async () => {
    const pod = newPod();
    const app = mgr.createApp(pod, parseAppName('hog'));
    mgr.applyLimits(app, { memoryBytes: 32 * MiB });
    // The shell doubles a string until the memory cgroup's OOM killer stops it.
    const hog = gated('x=0123456789abcdef; while :; do x=$x$x; done');
    await mgr.addProcess(app, hog.pid);
    hog.start();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), 20_000)));
    const exit = await Promise.race([hog.exited, timeout]).finally(() => clearTimeout(timer));
    assert.deepEqual(exit, { code: null, signal: 'SIGKILL' });
    assert.equal(mgr.oomKilled(app), true);
    const stats = mgr.readStats(app);
    assert.ok(stats.oomKills >= 1, `oomKills ${stats.oomKills}`);
    assert.ok(stats.memoryMaxBytes === undefined || stats.memoryMaxBytes <= 32 * MiB, `peak ${stats.memoryMaxBytes}`);
    await mgr.remove(pod);
    assert.deepEqual(leftovers(pod), []);
  });
});
