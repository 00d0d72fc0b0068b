import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildMonitorPlan } from '../../../../../stage1/default/monitor/build-monitor-plan.ts';

const POD = '/var/lib/skiff/pods/run/u';
const base = {
  podRoot: POD,
  debug: false,
  interactive: false,
  graceSeconds: 10,
  cgroups: {
    version: 1 as const,
    cgroupVersion: 'v1' as const,
    pod: 'skiff/u',
    apps: [{ app: 'web', memory: '/sys/fs/cgroup/memory/skiff/u/web' }, { app: 'db' }],
  },
  cgroupDirs: ['/sys/fs/cgroup/memory/skiff/u/web', '/sys/fs/cgroup/memory/skiff/u'],
  sandbox: { pid: 42, startTime: 7 },
};

test('runc: --keep, the app’s own OOM counter, layout paths for each app', () => {
  const plan = buildMonitorPlan({ ...base, runtime: { name: 'runc', path: '/usr/sbin/runc', containers: [{ app: 'web', id: 'web' }, { app: 'db', id: 'db' }] } });
  assert.deepEqual(plan.runtime, ['/usr/sbin/runc', '--root', `${POD}/runtime`]);
  assert.deepEqual(plan.runFlags, ['--keep']);
  assert.deepEqual(plan.apps[0], {
    name: 'web', id: 'web', bundle: `${POD}/bundles/web`, log: `${POD}/stage1/rootfs/skiff/logs/web`,
    status: `${POD}/stage1/rootfs/skiff/status/web`, oomMarker: `${POD}/stage1/rootfs/skiff/oom/web`,
    oomCounter: '/sys/fs/cgroup/memory/skiff/u/web/memory.oom_control', oomRule: 'own',
  });
  assert.equal(plan.apps[1]!.oomCounter, '', 'no memory controller recorded: unknown');
  assert.equal(plan.cni, undefined);
  assert.equal(plan.netnsMount, '');
  assert.equal(plan.startedFile, `${POD}/started`);
});

test('a runtime under a wrapper: every runtime command starts with it', () => {
  const wrapper = ['/usr/bin/unshare', '--mount', '--', '/bin/sh', '-c', 'x', '/usr/bin/mount', '/sys/fs/cgroup/unified/cgroup.controllers'];
  const plan = buildMonitorPlan({ ...base, runtime: { name: 'crun', path: '/usr/bin/crun', wrapper, containers: [{ app: 'web', id: 'web' }] } });
  assert.deepEqual(plan.runtime, [...wrapper, '/usr/bin/crun', '--root', `${POD}/runtime`]);
  assert.deepEqual(plan.runtimeRun, plan.runtime, 'without a launcher, run goes through the wrapper too');
});

test('with the stage1\'s launcher, run starts with it and the controllers file; kill and delete keep the wrapper', () => {
  const wrapper = ['/usr/bin/unshare', '--mount', '--', '/bin/sh', '-c', 'x', '/usr/bin/mount', '/sys/fs/cgroup/unified/cgroup.controllers'];
  const launcher = { path: `${POD}/stage1/rootfs/skiff/stage1/runtime-exec`, controllers: '/sys/fs/cgroup/unified/cgroup.controllers' };
  const plan = buildMonitorPlan({ ...base, runtime: { name: 'crun', path: '/usr/bin/crun', wrapper, containers: [{ app: 'web', id: 'web' }] }, runLauncher: launcher });
  assert.deepEqual(plan.runtimeRun, [launcher.path, launcher.controllers, '/usr/bin/crun', '--root', `${POD}/runtime`]);
  assert.deepEqual(plan.runtime, [...wrapper, '/usr/bin/crun', '--root', `${POD}/runtime`]);
});

test('crun: no --keep; CNI steps point at the DEL files of this pod directory', () => {
  const plan = buildMonitorPlan({
    ...base,
    runtime: { name: 'crun', path: '/usr/bin/crun', containers: [{ app: 'web', id: 'web' }] },
    cni: { netns: `${POD}/netns`, record: { containerId: 'u', cniPath: '/usr/lib/cni', steps: [{ network: 'default', plugin: '/usr/lib/cni/ptp', ifName: 'eth0' }, { network: 'default', plugin: '/usr/lib/cni/portmap', ifName: 'eth0' }] } },
  });
  assert.deepEqual(plan.runFlags, []);
  assert.deepEqual([plan.apps[0]!.oomCounter, plan.apps[0]!.oomRule], ['/sys/fs/cgroup/memory/skiff/u/web', 'limit']);
  assert.deepEqual(plan.cni, {
    containerId: 'u', netns: `${POD}/netns`, cniPath: '/usr/lib/cni', record: `${POD}/cni/teardown.json`,
    steps: [
      { plugin: '/usr/lib/cni/ptp', ifName: 'eth0', config: `${POD}/cni/del-0.json` },
      { plugin: '/usr/lib/cni/portmap', ifName: 'eth0', config: `${POD}/cni/del-1.json` },
    ],
  });
  assert.equal(plan.netnsMount, `${POD}/netns`);
});
