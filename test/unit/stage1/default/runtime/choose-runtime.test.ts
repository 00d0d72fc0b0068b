import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SkiffError } from '../../../../../common/errors.ts';
import { chooseRuntime, crunRefusal, describeRuntimeChoice } from '../../../../../stage1/default/runtime/choose-runtime.ts';
import type { RuntimeFacts, RuntimeInfo } from '../../../../../stage1/default/runtime/choose-runtime.ts';

const CRUN: RuntimeInfo = { name: 'crun', path: '/usr/bin/crun', version: '1.8.1' };
const RUNC: RuntimeInfo = { name: 'runc', path: '/usr/sbin/runc', version: '1.1.5+ds1' };
const HERE: RuntimeFacts = { available: [CRUN, RUNC], cgroupLayout: 'hybrid', unifiedControllers: ['hugetlb'], unifiedMount: '/sys/fs/cgroup/unified' };
const MASKED_REASON = 'crun refuses hybrid cgroups with hugetlb enabled on the cgroup2 side, so it runs with /sys/fs/cgroup/unified/cgroup.controllers masked in a mount namespace of its own';

function expectError(fn: () => unknown, code: string, message: RegExp, hint?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof SkiffError);
    assert.equal(err.code, code);
    assert.match(err.message, message);
    if (hint) assert.match(err.hint ?? '', hint);
    return true;
  });
}

test('this machine (hybrid, hugetlb on the cgroup2 side): crun with the cgroup2 controllers masked, and --debug says why', () => {
  const choice = chooseRuntime(HERE);
  const reason = `crun is preferred (faster start, smaller monitor); ${MASKED_REASON}`;
  assert.deepEqual(choice, { ...CRUN, reason, maskControllers: '/sys/fs/cgroup/unified/cgroup.controllers' });
  assert.equal(describeRuntimeChoice(choice), `runtime: crun 1.8.1 /usr/bin/crun (${reason})`);
  const { unifiedMount: _, ...unknownMount } = HERE;
  assert.deepEqual(chooseRuntime(unknownMount), { ...RUNC, reason: 'crun refuses hybrid cgroups with hugetlb enabled on the cgroup2 side' }, 'nothing to mask: runc');
});

test('crun wherever it runs: pure v2, legacy v1, hybrid with nothing on the cgroup2 side', () => {
  for (const facts of [
    { ...HERE, cgroupLayout: 'v2' as const, unifiedControllers: ['cpu', 'memory', 'pids'] },
    { ...HERE, cgroupLayout: 'v1' as const, unifiedControllers: [] },
    { ...HERE, unifiedControllers: [] },
  ]) {
    const choice = chooseRuntime(facts);
    assert.equal(choice.name, 'crun', facts.cgroupLayout);
    assert.match(choice.reason, /crun is preferred/);
    assert.equal(crunRefusal(facts), undefined);
  }
});

test('runc when crun is not installed; an error naming the package when neither is', () => {
  assert.deepEqual(chooseRuntime({ ...HERE, cgroupLayout: 'v2', unifiedControllers: ['memory'], available: [RUNC] }), { ...RUNC, reason: 'crun is not installed' });
  assert.equal(chooseRuntime({ ...HERE, available: [RUNC] }).reason, 'crun is not installed');
  expectError(() => chooseRuntime({ ...HERE, cgroupLayout: 'v2', available: [] }), 'TOOL_MISSING', /no OCI runtime found/, /Debian package crun/);
  expectError(() => chooseRuntime({ ...HERE, available: [] }), 'TOOL_MISSING', /no OCI runtime found/, /Debian package runc/);
  const { unifiedMount: _, ...unknownMount } = HERE;
  expectError(() => chooseRuntime({ ...unknownMount, available: [CRUN] }), 'TOOL_MISSING', /crun refuses hybrid cgroups .* runc is not installed/, /Debian package runc/);
});

test('an explicit request wins, by name or by absolute path', () => {
  const v2 = { ...HERE, cgroupLayout: 'v2' as const, unifiedControllers: ['memory'] };
  assert.deepEqual(chooseRuntime({ ...v2, requested: 'runc' }), { ...RUNC, reason: 'requested by --stage1-runtime' });
  const runsc: RuntimeInfo = { name: 'runsc', path: '/opt/gvisor/runsc', version: 'release-20240101.0' };
  const choice = chooseRuntime({ ...HERE, available: [CRUN, RUNC, runsc], requested: '/opt/gvisor/runsc', requestedBy: 'annotation skiff.dev/stage1/runtime' });
  assert.deepEqual(choice, { ...runsc, reason: 'requested by annotation skiff.dev/stage1/runtime' });
});

test('asking for crun on a hybrid host masks the controllers; without a known cgroup2 mount it is an error with a way out', () => {
  assert.deepEqual(chooseRuntime({ ...HERE, requested: 'crun' }), {
    ...CRUN,
    reason: `requested by --stage1-runtime; ${MASKED_REASON}`,
    maskControllers: '/sys/fs/cgroup/unified/cgroup.controllers',
  });
  assert.equal(chooseRuntime({ ...HERE, requested: 'runc' }).name, 'runc', 'runc when asked for');
  const { unifiedMount: _, ...unknownMount } = HERE;
  expectError(() => chooseRuntime({ ...unknownMount, requested: 'crun' }), 'USAGE',
    /--stage1-runtime asks for crun, but crun refuses hybrid cgroups with hugetlb enabled on the cgroup2 side/, /--stage1-runtime=runc/);
  const renamed: RuntimeInfo = { name: 'crun', path: '/opt/crun-dev', version: '1.20' };
  expectError(() => chooseRuntime({ ...unknownMount, available: [renamed, RUNC], requested: '/opt/crun-dev' }), 'USAGE', /asks for \/opt\/crun-dev, but crun refuses/);
});

test('a requested runtime that is not there; a relative path', () => {
  expectError(() => chooseRuntime({ ...HERE, available: [RUNC], requested: 'crun' }), 'TOOL_MISSING', /the OCI runtime crun .* was not found/, /Debian package crun/);
  expectError(() => chooseRuntime({ ...HERE, requested: 'runsc' }), 'TOOL_MISSING', /runsc/, /install runsc, or give its absolute path/);
  expectError(() => chooseRuntime({ ...HERE, requested: '/nowhere/runc' }), 'TOOL_MISSING', /\/nowhere\/runc/);
  expectError(() => chooseRuntime({ ...HERE, requested: 'bin/runc' }), 'USAGE', /a runtime name \(crun, runc\) or an absolute path/);
});
