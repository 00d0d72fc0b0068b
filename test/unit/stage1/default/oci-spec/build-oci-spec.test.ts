// Golden tests: test/fixtures/stage1/default/oci-spec/<case>.json holds an input, and
// <case>.expected.json the { spec, warnings } buildOciSpec must return. Set UPDATE_GOLDEN=1
// to rewrite the goldens after a deliberate change (and read the diff).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildOciSpec } from '../../../../../stage1/default/oci-spec/build-oci-spec.ts';
import type { OciSpecInput } from '../../../../../stage1/default/oci-spec/build-oci-spec.ts';
import { resolveVolumeMounts } from '../../../../../stage1/default/oci-spec/mounts.ts';
import { planVolumeMounts } from '../../../../../stage1/common/mount-plan.ts';
import { SkiffError } from '../../../../../common/errors.ts';
import type { PodManifest } from '../../../../../common/appc-types.ts';
import { checkOciConfig } from './oci-schema-check.ts';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../fixtures/stage1/default/oci-spec');

interface Case {
  name: string;
  description: string;
  input: OciSpecInput;
}

function loadCases(): Case[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json') && !f.endsWith('.expected.json'))
    .sort()
    .map((f) => ({ name: f.replace(/\.json$/, ''), ...(JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as Omit<Case, 'name'>) }));
}

function readGolden(name: string, actual: unknown): unknown {
  const file = path.join(dir, `${name}.expected.json`);
  if (process.env['UPDATE_GOLDEN'] === '1') fs.writeFileSync(file, `${JSON.stringify(actual, null, 2)}\n`);
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

const cases = loadCases();

test('every golden case is there', () => {
  assert.ok(cases.length >= 17, `only ${cases.length} cases in ${dir}`);
});

for (const c of cases) {
  test(`golden: ${c.name} (${c.description})`, () => {
    const actual = buildOciSpec(c.input);
    assert.deepEqual(actual, readGolden(c.name, actual));
    assert.deepEqual(checkOciConfig(actual.spec), [], 'the spec passes the OCI schema check');
  });
}

const base = (): OciSpecInput => structuredClone(cases.find((c) => c.name === 'minimal')!.input);
const invalid = (re: RegExp) => (err: unknown) =>
  err instanceof SkiffError && err.code === 'POD_MANIFEST_INVALID' && re.test(err.message);

test('the result is plain JSON: it survives a round trip unchanged', () => {
  const { spec } = buildOciSpec(cases.find((c) => c.name === 'limits')!.input);
  assert.deepEqual(JSON.parse(JSON.stringify(spec)), spec);
});

test('an app with neither its own nor an image app section is refused', () => {
  const input = base();
  delete input.runtimeApp.app;
  assert.throws(() => buildOciSpec(input), invalid(/no app section/));
});

test('an app without a command is refused', () => {
  const input = base();
  input.runtimeApp.app!.exec = [];
  assert.throws(() => buildOciSpec(input), invalid(/no command/));
});

test('a relative working directory is refused', () => {
  const input = base();
  input.runtimeApp.app!.workingDirectory = 'srv';
  assert.throws(() => buildOciSpec(input), invalid(/not absolute/));
});

test('a retain and a remove set of one kind together are refused', () => {
  const input = base();
  input.runtimeApp.app!.isolators = [
    { name: 'os/linux/capabilities-retain-set', value: { set: ['CAP_KILL'] } },
    { name: 'os/linux/capabilities-remove-set', value: { set: ['CAP_CHOWN'] } },
  ];
  assert.throws(() => buildOciSpec(input), invalid(/both/));
});

test('host networking cannot be combined with a network namespace path', () => {
  const input = { ...base(), hostNetwork: true, podNamespaces: { network: '/proc/1/ns/net' } };
  assert.throws(() => buildOciSpec(input), (err: unknown) => err instanceof SkiffError && err.code === 'INTERNAL');
});

test('pidsLimit null sets no pids limit', () => {
  const { spec } = buildOciSpec({ ...base(), pidsLimit: null });
  assert.equal(spec.linux.resources?.pids, undefined);
});

test('an rlimit is never above the host hard limit, and unknown host limits leave it out', () => {
  const input: OciSpecInput = {
    ...base(),
    rlimits: [
      { type: 'RLIMIT_NOFILE', soft: 4096, hard: 4096 },
      { type: 'RLIMIT_NPROC', soft: 100, hard: 100 },
    ],
    host: { rlimits: [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 2048 }] },
  };
  const { spec, warnings } = buildOciSpec(input);
  assert.deepEqual(spec.process.rlimits, [{ type: 'RLIMIT_NOFILE', soft: 2048, hard: 2048 }]);
  assert.equal(warnings.length, 2);
  assert.match(warnings[1]!, /RLIMIT_NPROC is unknown/);
});

test('a retain set with @appc.io/all opts out of seccomp, so no-new-privileges is not forced', () => {
  const input = base();
  input.user = { uid: 1000, gid: 1000, supplementaryGids: [] };
  input.runtimeApp.app!.isolators = [{ name: 'os/linux/seccomp-retain-set', value: { set: ['@appc.io/all', 'read'] } }];
  const { spec } = buildOciSpec(input);
  assert.equal(spec.linux.seccomp, undefined);
  assert.equal(spec.process.noNewPrivileges, false);
});

test('volumes planned from a pod manifest reach the spec with their host paths', () => {
  const pod: PodManifest = {
    acKind: 'PodManifest',
    acVersion: '0.8.11',
    apps: [],
    volumes: [
      { name: 'data', kind: 'empty' },
      { name: 'conf', kind: 'host', source: '/etc/app', readOnly: true },
    ],
  };
  const runtime = { name: 'web', image: { id: 'sha512-x' }, mounts: [{ volume: 'conf', path: '/etc/app' }] };
  const app = { exec: ['/bin/web'], user: '0', group: '0', mountPoints: [{ name: 'data', path: '/data' }] };
  const mounts = resolveVolumeMounts(planVolumeMounts(pod, runtime, app), (v) => `/pod/volumes/${v}`);
  const { spec } = buildOciSpec({ ...base(), mounts });
  assert.deepEqual(spec.mounts.slice(-2), [
    { destination: '/data', type: 'bind', source: '/pod/volumes/data', options: ['bind'] },
    { destination: '/etc/app', type: 'bind', source: '/etc/app', options: ['rbind', 'ro'] },
  ]);
});

test('the translation modules never touch the file system themselves (STYLE rule 12)', () => {
  const srcDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../../stage1/default/oci-spec');
  const offenders = fs.readdirSync(srcDir).filter((f) => /from ['"]node:fs/.test(fs.readFileSync(path.join(srcDir, f), 'utf8')));
  assert.deepEqual(offenders, []);
});
