import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { renderMonitorPlan } from '../../../../../stage1/default/monitor/monitor-plan.ts';
import type { MonitorPlan } from '../../../../../stage1/default/monitor/monitor-plan.ts';

const PWNED = `/tmp/skiff-plan-pwned-${process.pid}`;
const NASTY = `it's "quoted" $(touch ${PWNED}) \`x\` $HOME ;|&\nnewline`;

const plan: MonitorPlan = {
  debug: true,
  runtime: ['/usr/sbin/runc', '--root', '/pods/run/u/runtime'],
  runtimeRun: ['/pods/run/u/stage1/rootfs/skiff/stage1/runtime-exec', '/sys/fs/cgroup/unified/cgroup.controllers', '/usr/sbin/runc', '--root', '/pods/run/u/runtime'],
  runtimeState: '/pods/run/u/runtime',
  runFlags: ['--keep'],
  apps: [
    { name: 'web', id: 'web', bundle: '/b/web', log: '/l/web', status: '/s/web', oomMarker: '/o/web', oomCounter: '/cg/web/memory.oom_control', oomRule: 'own' },
    { name: 'db', id: 'db', bundle: NASTY, log: '/l/db', status: '/s/db', oomMarker: '/o/db', oomCounter: '', oomRule: 'pod' },
  ],
  interactive: false,
  graceSeconds: 10,
  startedFile: '/p/started',
  sandbox: { pid: 1234, startTime: 98765 },
  cni: { containerId: 'u', netns: '/p/netns', cniPath: '/usr/lib/cni', record: '/p/cni/teardown.json', steps: [{ plugin: '/usr/lib/cni/ptp', ifName: 'eth0', config: '/p/cni/del-0.json' }] },
  netnsMount: '/p/netns',
  cgroupDirs: ['/cg/memory/skiff/u/web', '/cg/memory/skiff/u'],
};

/** Sources the plan in bash and prints each variable as JSON-ish lines to compare. */
function sourced(text: string, names: string[]): Record<string, string[]> {
  const script = `. /dev/stdin <<'SKIFF_PLAN_EOF'\n${text}SKIFF_PLAN_EOF\n${names.map((n) => `printf '%s\\0' "${n}" "\${#${n}[@]}" "\${${n}[@]}"`).join('\n')}`;
  const res = spawnSync('/bin/bash', ['-c', script], { encoding: 'utf8' });
  assert.equal(res.status, 0, res.stderr);
  const words = res.stdout.split('\0');
  const out: Record<string, string[]> = {};
  let i = 0;
  while (i < words.length - 1) {
    const name = words[i++]!;
    const count = Number(words[i++]);
    out[name] = words.slice(i, i + count);
    i += count;
  }
  return out;
}

test('renderMonitorPlan: bash reads back exactly the values, and nothing runs', () => {
  const text = renderMonitorPlan(plan);
  assert.ok(text.split('\n').filter((l) => l && !l.startsWith('#')).every((l) => /^SKIFF_[A-Z_]+=/.test(l) || !l.includes('=(')), 'assignments only');
  const v = sourced(text, ['SKIFF_DEBUG', 'SKIFF_RUNTIME', 'SKIFF_RUNTIME_RUN', 'SKIFF_APP_BUNDLE', 'SKIFF_APP_OOM_COUNTER', 'SKIFF_APP_OOM_RULE', 'SKIFF_GRACE',
    'SKIFF_SANDBOX_PID', 'SKIFF_SANDBOX_START', 'SKIFF_CNI_PLUGIN', 'SKIFF_CNI_CONF', 'SKIFF_CNI_NETNS', 'SKIFF_CGROUP_DIRS', 'SKIFF_INTERACTIVE']);
  assert.deepEqual(v['SKIFF_DEBUG'], ['1']);
  assert.deepEqual(v['SKIFF_RUNTIME'], plan.runtime);
  assert.deepEqual(v['SKIFF_RUNTIME_RUN'], plan.runtimeRun);
  assert.deepEqual(v['SKIFF_APP_BUNDLE'], ['/b/web', NASTY]);
  assert.deepEqual(v['SKIFF_APP_OOM_COUNTER'], ['/cg/web/memory.oom_control', '']);
  assert.deepEqual(v['SKIFF_APP_OOM_RULE'], ['own', 'pod']);
  assert.deepEqual(v['SKIFF_GRACE'], ['10']);
  assert.deepEqual(v['SKIFF_SANDBOX_PID'], ['1234']);
  assert.deepEqual(v['SKIFF_SANDBOX_START'], ['98765']);
  assert.deepEqual(v['SKIFF_CNI_PLUGIN'], ['/usr/lib/cni/ptp']);
  assert.deepEqual(v['SKIFF_CNI_CONF'], ['/p/cni/del-0.json']);
  assert.deepEqual(v['SKIFF_CNI_NETNS'], ['/p/netns']);
  assert.deepEqual(v['SKIFF_CGROUP_DIRS'], plan.cgroupDirs);
  assert.deepEqual(v['SKIFF_INTERACTIVE'], ['0']);
  assert.ok(!fs.existsSync(PWNED), 'a value never runs as code');
});

test('renderMonitorPlan: without CNI the step arrays are empty', () => {
  const { cni: _cni, ...rest } = plan;
  const v = sourced(renderMonitorPlan({ ...rest, netnsMount: '' }), ['SKIFF_CNI_PLUGIN', 'SKIFF_CNI_CONTAINERID', 'SKIFF_NETNS_MOUNT']);
  assert.deepEqual(v['SKIFF_CNI_PLUGIN'], []);
  assert.deepEqual(v['SKIFF_CNI_CONTAINERID'], ['']);
  assert.deepEqual(v['SKIFF_NETNS_MOUNT'], ['']);
});
