// The `status --stats` reader against fake cgroup directories: what each version's files say,
// an exited app, a pod without a record, and records that must not be trusted.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parsePodCgroupsRecord, readPodCgroupStats } from '../../../common/cgroup-stats.ts';
import { podCgroupsPath } from '../../../common/layout.ts';

const base = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-cgstats-'));
after(() => fs.rmSync(base, { recursive: true, force: true }));

function dir(name: string, files: Record<string, string>): string {
  const d = path.join(base, name);
  fs.mkdirSync(d, { recursive: true });
  for (const [f, text] of Object.entries(files)) fs.writeFileSync(path.join(d, f), text);
  return d;
}

function pod(record: unknown): string {
  const root = fs.mkdtempSync(path.join(base, 'pod-'));
  fs.writeFileSync(podCgroupsPath(root), JSON.stringify(record));
  return root;
}

test('v1: memory without inactive page cache, peak, limit, OOM kills, cpuacct, pids; an exited app reads as not running', () => {
  const memory = dir('v1/memory/web', {
    'cgroup.procs': '12\n',
    'memory.usage_in_bytes': '10485760\n',
    'memory.stat': 'cache 0\ntotal_inactive_file 2097152\n',
    'memory.max_usage_in_bytes': '20971520\n',
    'memory.limit_in_bytes': '67108864\n',
    'memory.oom_control': 'oom_kill_disable 0\nunder_oom 0\noom_kill 1\n',
  });
  const cpu = dir('v1/cpuacct/web', { 'cgroup.procs': '12\n', 'cpuacct.usage': '123456789\n' });
  const pids = dir('v1/pids/web', { 'cgroup.procs': '12\n', 'pids.current': '3\n' });
  const root = pod({
    version: 1, cgroupVersion: 'v1', pod: 'skiff/u',
    apps: [{ app: 'web', memory, cpu, pids }, { app: 'gone', memory: path.join(base, 'v1/memory/gone') }],
  });
  assert.deepEqual(readPodCgroupStats(root), [
    { app: 'web', running: true, memoryBytes: 8388608, memoryPeakBytes: 20971520, memoryLimitBytes: 67108864, oomKills: 1, cpuNs: 123456789, pids: 3 },
    { app: 'gone', running: false },
  ]);
});

test('v2: memory.current, memory.peak, memory.max, memory.events, cpu.stat usage_usec', () => {
  const d = dir('v2/web', {
    'cgroup.procs': '7\n',
    'memory.current': '5000000\n',
    'memory.stat': 'anon 100\ninactive_file 1000000\n',
    'memory.peak': '6000000\n',
    'memory.max': 'max\n',
    'memory.events': 'low 0\nhigh 0\nmax 2\noom 1\noom_kill 0\n',
    'cpu.stat': 'usage_usec 2500\nuser_usec 2000\n',
    'pids.current': '1\n',
  });
  const root = pod({ version: 1, cgroupVersion: 'v2', pod: 'skiff/u', apps: [{ app: 'web', memory: d, cpu: d, pids: d }] });
  assert.deepEqual(readPodCgroupStats(root), [
    { app: 'web', running: true, memoryBytes: 4000000, memoryPeakBytes: 6000000, oomKills: 0, cpuNs: 2500000, pids: 1 },
  ]);
});

test('no record (a fly pod) or one this skiff cannot read: no stats', () => {
  assert.deepEqual(readPodCgroupStats(fs.mkdtempSync(path.join(base, 'fly-'))), []);
  assert.deepEqual(readPodCgroupStats(pod({ version: 2 })), []);
  assert.equal(parsePodCgroupsRecord({ version: 1, cgroupVersion: 'v1', pod: 'p', apps: [{ app: 'x', memory: 'relative/dir' }] }), undefined);
  assert.equal(parsePodCgroupsRecord({ version: 1, cgroupVersion: 'v1', pod: 'p', apps: [{ app: 'x', memory: '/sys/fs/cgroup/../../etc' }] }), undefined);
});
