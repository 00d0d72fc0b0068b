import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ISOLATOR, parseIsolators } from '../../../../../stage1/default/oci-spec/isolators.ts';
import { appIsolators, ISOLATOR_NAMES } from '../../../../../stage0/pod/app-isolators.ts';
import { emptyAppOptions } from '../../../../../stage0/pod/app-options.ts';
import { SkiffError } from '../../../../../common/errors.ts';
import type { Isolator } from '../../../../../common/appc-types.ts';

const parse = (...isolators: Isolator[]) => parseIsolators(isolators, 'web');
const invalid = (re: RegExp) => (err: unknown) =>
  err instanceof SkiffError && err.code === 'POD_MANIFEST_INVALID' && /^app web: isolator /.test(err.message) && re.test(err.message);

test('no isolators parse to nothing, without warnings', () => {
  assert.deepEqual(parseIsolators(undefined, 'web'), { isolators: {}, warnings: [] });
});

test('stage1 reads the isolator names stage0 writes (stage1 cannot import them from stage0)', () => {
  assert.deepEqual(ISOLATOR, ISOLATOR_NAMES);
});

test('what stage0 writes from every app option reads back as the same values', () => {
  const opts = {
    ...emptyAppOptions(),
    memoryBytes: 134_217_728,
    cpuMillicores: 1500,
    cpuShares: 512,
    oomScoreAdj: -100,
    capsRemove: ['CAP_CHOWN'],
    seccomp: { mode: 'remove' as const, errno: 'ENOSYS', set: ['reboot', 'kexec_load'] },
    noNewPrivileges: true,
  };
  assert.deepEqual(parseIsolators(appIsolators(opts), 'web'), {
    isolators: {
      memoryLimit: 134_217_728,
      cpuMillicores: 1500,
      cpuShares: 512,
      oomScoreAdj: -100,
      caps: { mode: 'remove', set: ['CAP_CHOWN'] },
      seccomp: { mode: 'remove', set: ['reboot', 'kexec_load'], errno: 'ENOSYS' },
      noNewPrivileges: true,
    },
    warnings: [],
  });
});

test('memory limits take appc quantities: decimal and binary suffixes, and plain bytes as a number', () => {
  assert.equal(parse({ name: 'resource/memory', value: { limit: '128M' } }).isolators.memoryLimit, 128_000_000);
  assert.equal(parse({ name: 'resource/memory', value: { limit: '1Gi', request: '512Mi' } }).isolators.memoryLimit, 1_073_741_824);
  assert.equal(parse({ name: 'resource/memory', value: { limit: 65536 } }).isolators.memoryLimit, 65536);
});

test('CPU limits are millicores, cores, or a number of cores', () => {
  assert.equal(parse({ name: 'resource/cpu', value: { limit: '500m' } }).isolators.cpuMillicores, 500);
  assert.equal(parse({ name: 'resource/cpu', value: { limit: '2' } }).isolators.cpuMillicores, 2000);
  assert.equal(parse({ name: 'resource/cpu', value: { limit: 0.25 } }).isolators.cpuMillicores, 250);
});

test('malformed values of known isolators are errors that name the isolator', () => {
  assert.throws(() => parse({ name: 'resource/memory', value: { limit: '16m' } }), invalid(/resource\/memory: .*m means milli/));
  assert.throws(() => parse({ name: 'resource/memory', value: { request: '1G' } }), invalid(/has no limit/));
  assert.throws(() => parse({ name: 'resource/memory', value: '1G' }), invalid(/must be an object/));
  assert.throws(() => parse({ name: 'resource/cpu', value: { limit: true } }), invalid(/string such as/));
  assert.throws(() => parse({ name: 'os/linux/cpu-shares', value: 1 }), invalid(/from 2 to 262144/));
  assert.throws(() => parse({ name: 'os/linux/oom-score-adj', value: 1001 }), invalid(/from -1000 to 1000/));
  assert.throws(() => parse({ name: 'os/linux/oom-score-adj', value: 1.5 }), invalid(/whole number/));
  assert.throws(() => parse({ name: 'os/linux/capabilities-retain-set', value: { set: [] } }), invalid(/non-empty list/));
  assert.throws(() => parse({ name: 'os/linux/seccomp-remove-set', value: { set: ['reboot'], errno: 1 } }), invalid(/errno name/));
  assert.throws(() => parse({ name: 'os/linux/no-new-privileges', value: 'yes' }), invalid(/true or false/));
});

test('numeric strings are accepted for the integer isolators', () => {
  const { isolators } = parse({ name: 'os/linux/cpu-shares', value: '1024' }, { name: 'os/linux/oom-score-adj', value: '-5' });
  assert.deepEqual(isolators, { cpuShares: 1024, oomScoreAdj: -5 });
});

test('capability names are upper-cased and given their CAP_ prefix, duplicates dropped', () => {
  const { isolators } = parse({ name: 'os/linux/capabilities-retain-set', value: { set: ['net_admin', 'CAP_NET_ADMIN', 'Sys_Time'] } });
  assert.deepEqual(isolators.caps, { mode: 'retain', set: ['CAP_NET_ADMIN', 'CAP_SYS_TIME'] });
});

test('a seccomp set keeps its names as written; an empty errno means none (SIGSYS)', () => {
  const { isolators } = parse({ name: 'os/linux/seccomp-retain-set', value: { set: ['@rkt/default-whitelist', 'mount'], errno: '' } });
  assert.deepEqual(isolators.seccomp, { mode: 'retain', set: ['@rkt/default-whitelist', 'mount'] });
  const lower = parse({ name: 'os/linux/seccomp-remove-set', value: { set: ['reboot'], errno: 'enosys' } });
  assert.equal(lower.isolators.seccomp?.errno, 'ENOSYS');
});

test('unknown isolators are warnings, one per isolator, and change nothing', () => {
  const { isolators, warnings } = parse(
    { name: 'resource/network-bandwidth', value: { limit: '1G' } },
    { name: 'example.com/custom', value: 1 },
    { name: 'os/linux/no-new-privileges', value: false },
  );
  assert.deepEqual(isolators, { noNewPrivileges: false });
  assert.deepEqual(warnings, [
    'app web: isolator resource/network-bandwidth is not supported by the default stage1 and is ignored',
    'app web: isolator example.com/custom is not supported by the default stage1 and is ignored',
  ]);
});

test('a repeated isolator: the last one applies, with a warning', () => {
  const { isolators, warnings } = parse(
    { name: 'resource/memory', value: { limit: '1G' } },
    { name: 'resource/memory', value: { limit: '2G' } },
  );
  assert.equal(isolators.memoryLimit, 2_000_000_000);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /more than once/);
});

test('retain and remove sets of one kind exclude each other', () => {
  assert.throws(
    () => parse(
      { name: 'os/linux/seccomp-retain-set', value: { set: ['read'] } },
      { name: 'os/linux/seccomp-remove-set', value: { set: ['reboot'] } },
    ),
    (err: unknown) => err instanceof SkiffError && /both os\/linux\/seccomp-retain-set and os\/linux\/seccomp-remove-set/.test(err.message),
  );
});
