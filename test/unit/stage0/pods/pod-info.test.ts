import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatStatsLines, formatStatusLines, type PodInfo } from '../../../../stage0/pods/pod-info.ts';
import { formatNet } from '../../../../stage0/pods/run-prepared.ts';

const base: PodInfo = {
  uuid: '0b1c7f0e-4f4b-4c37-9a39-6b7f1d2b9c11',
  state: 'exited',
  created: '2026-11-22T10:00:00.000Z',
  started: '2026-11-22T10:00:01.000Z',
  pid: -1,
  exited: true,
  apps: [
    { name: 'web', imageId: 'sha256:x', imageName: 'web', exitStatus: 137, oomKilled: true },
    { name: 'side', imageId: 'sha256:y', imageName: 'side', exitStatus: null, oomKilled: false },
  ],
  stage1: 'skiff.dev/stage1-default',
  networks: [{ name: 'default', ips: ['172.16.28.2'] }],
};

test('status lines are rkt-shaped key=value pairs that scripts can split on =', () => {
  assert.deepEqual(formatStatusLines(base), [
    'state=exited',
    'created=2026-11-22T10:00:00.000Z',
    'started=2026-11-22T10:00:01.000Z',
    'pid=-1',
    'exited=true',
    'networks=default:ip4=172.16.28.2',
    'app-web=137',
    'app-web-oom=true',
    'app-side=unknown',
  ]);
});

test('a running pod has no app statuses yet and no networks line without networks', () => {
  const running: PodInfo = { ...base, state: 'running', exited: false, pid: 42, networks: [], apps: [{ ...base.apps[1]! }] };
  assert.deepEqual(formatStatusLines(running).slice(3), ['pid=42', 'exited=false']);
});

test('stats lines name each app and leave out what the cgroup did not say', () => {
  assert.deepEqual(formatStatsLines([{ app: 'web', running: true, memoryBytes: 1024, cpuNs: 5, oomKills: 0 }]), [
    'app-web-memory=1024',
    'app-web-cpu-ns=5',
    'app-web-oom-kills=0',
  ]);
});

test('--net keeps its CNI arguments on the way to stage1', () => {
  assert.equal(formatNet({ kind: 'none' }), 'none');
  assert.equal(formatNet({ kind: 'networks', networks: [{ name: 'default', args: {} }] }), 'default');
  assert.equal(
    formatNet({ kind: 'networks', networks: [{ name: 'lan', args: { IP: '10.1.0.5', FOO: 'bar' } }, { name: 'default', args: {} }] }),
    'lan:IP=10.1.0.5;FOO=bar,default',
  );
});
