import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appIsolators, mergeIsolators } from '../../../../stage0/pod/app-isolators.ts';
import { emptyAppOptions } from '../../../../stage0/pod/app-options.ts';
import type { Isolator } from '../../../../common/appc-types.ts';

test('options map to appc isolator names and value shapes', () => {
  const isolators = appIsolators({
    ...emptyAppOptions(),
    memoryBytes: 134_217_728,
    cpuMillicores: 500,
    cpuShares: 512,
    oomScoreAdj: -10,
    capsRemove: ['CAP_MKNOD'],
    seccomp: { mode: 'retain', errno: 'EPERM', set: ['read'] },
    noNewPrivileges: true,
  });
  assert.deepEqual(isolators, [
    { name: 'resource/memory', value: { limit: '134217728' } },
    { name: 'resource/cpu', value: { limit: '500m' } },
    { name: 'os/linux/cpu-shares', value: 512 },
    { name: 'os/linux/oom-score-adj', value: -10 },
    { name: 'os/linux/capabilities-remove-set', value: { set: ['CAP_MKNOD'] } },
    { name: 'os/linux/seccomp-retain-set', value: { set: ['read'], errno: 'EPERM' } },
    { name: 'os/linux/no-new-privileges', value: true },
  ]);
  assert.deepEqual(appIsolators({ ...emptyAppOptions(), capsRetain: ['CAP_KILL'], seccomp: { mode: 'remove', set: ['reboot'] } }), [
    { name: 'os/linux/capabilities-retain-set', value: { set: ['CAP_KILL'] } },
    { name: 'os/linux/seccomp-remove-set', value: { set: ['reboot'] } },
  ]);
  assert.deepEqual(appIsolators(emptyAppOptions()), []);
});

test('merge: the command line replaces same-named isolators and their exclusive partners', () => {
  const image: Isolator[] = [
    { name: 'resource/memory', value: { limit: '1G' } },
    { name: 'os/linux/capabilities-remove-set', value: { set: ['CAP_MKNOD'] } },
    { name: 'os/linux/seccomp-retain-set', value: { set: ['read'] } },
    { name: 'os/linux/cpu-shares', value: 100 },
  ];
  const cli: Isolator[] = [
    { name: 'resource/memory', value: { limit: '2000000' } },
    { name: 'os/linux/capabilities-retain-set', value: { set: ['CAP_KILL'] } },
    { name: 'os/linux/seccomp-remove-set', value: { set: ['reboot'] } },
  ];
  assert.deepEqual(mergeIsolators(image, cli), [{ name: 'os/linux/cpu-shares', value: 100 }, ...cli]);
  assert.deepEqual(mergeIsolators(image, []), image);
  assert.deepEqual(mergeIsolators(undefined, cli), cli);
});
