// Choosing between the run module and the run entrypoint, the version gate behind it, and what
// stage0 accepts back from a run module's prepareRun.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ImageManifest } from '../../../../common/appc-types.ts';
import { STAGE1_ANNOTATIONS } from '../../../../common/stage1-interface.ts';
import { launcherStdinIsTty } from '../../../../stage0/pods/run-prepared.ts';
import { gateRunOptions, stage1RunModule, versionAtLeast } from '../../../../stage0/pods/stage1-image.ts';
import { checkRunResult } from '../../../../stage0/pods/stage1-run-module.ts';

function manifest(annotations: Record<string, string>): ImageManifest {
  return {
    acKind: 'ImageManifest',
    acVersion: '0.8.11',
    name: 'example.com/stage1',
    annotations: Object.entries(annotations).map(([name, value]) => ({ name, value })),
  } as ImageManifest;
}

test('versionAtLeast: >=X.Y.Z as semver orders versions, a pre-release before its release', () => {
  assert.equal(versionAtLeast('1.1.0', '>=1.1.0'), true);
  assert.equal(versionAtLeast('1.10.0', '>=1.9.0'), true);
  assert.equal(versionAtLeast('2.0.0', '>=1.1.0'), true);
  assert.equal(versionAtLeast('1.0.9', '>=1.1.0'), false);
  assert.equal(versionAtLeast('1.1.0-rc.1', '>=1.1.0'), false);
  assert.equal(versionAtLeast('1.1.1-rc.1', '>=1.1.0'), true);
  assert.equal(versionAtLeast('1.1.0+build.5', '>=1.1.0'), true);
  assert.equal(versionAtLeast('one', '>=1.0.0'), false);
  assert.throws(() => versionAtLeast('1.0.0', '^1.0.0'), /unsupported version range/);
});

test('gateRunOptions leaves out, with a warning, what the stage1 version does not accept', () => {
  const warnings: string[] = [];
  const args = gateRunOptions('1.1.0', [['debug', true], ['net', 'none'], ['private-users', true], ['no-such', 'x']], (m) => warnings.push(m));
  assert.deepEqual(args, ['--debug', '--net=none']);
  assert.equal(warnings.length, 2);
  assert.match(warnings[0]!, /does not support --private-users/);
});

test('stage1RunModule: named, a JavaScript module, interface >= 1.1.0, and not turned off', () => {
  const named = manifest({ [STAGE1_ANNOTATIONS.runModule]: '/skiff/stage1/run.mjs' });
  assert.equal(stage1RunModule(named, '1.1.0', {}), '/skiff/stage1/run.mjs');
  assert.equal(stage1RunModule(named, '1.0.0', {}), undefined, 'a 1.0 stage1 has no run modules');
  assert.equal(stage1RunModule(named, '1.1.0', { SKIFF_STAGE1_RUN_MODULE: '0' }), undefined);
  assert.equal(stage1RunModule(named, '1.1.0', { SKIFF_STAGE1_RUN_MODULE: '1' }), '/skiff/stage1/run.mjs');
  assert.equal(stage1RunModule(manifest({}), '1.1.0', {}), undefined);
  assert.equal(stage1RunModule(manifest({ [STAGE1_ANNOTATIONS.runModule]: '/skiff/stage1/run' }), '1.1.0', {}), undefined);
  assert.equal(stage1RunModule(manifest({ [STAGE1_ANNOTATIONS.runModule]: '/skiff/stage1/run.cjs' }), '1.1.0', {}), '/skiff/stage1/run.cjs', 'CommonJS too');
});

test('checkRunResult: a program to exec or an exit status; anything else is a broken stage1', () => {
  assert.deepEqual(checkRunResult({ exec: { file: '/bin/bash', args: ['m.sh', 'plan'] } }, 'run.mjs'), { exec: { file: '/bin/bash', args: ['m.sh', 'plan'] } });
  assert.deepEqual(checkRunResult({ exitCode: 125 }, 'run.mjs'), { exitCode: 125 });
  for (const bad of [undefined, null, {}, { exec: { file: '/bin/x' } }, { exec: { file: 1, args: [] } }, { exec: { file: '/x', args: [1] } }, { exitCode: 1.5 }]) {
    assert.throws(() => checkRunResult(bad, 'run.mjs'), (err: Error & { code?: string }) => err.code === 'STAGE1_INVALID' && /run\.mjs returned neither/.test(err.message));
  }
});

test('launcherStdinIsTty asks about the fd the launcher kept stdin on', () => {
  const saved = process.env.SKIFF_STDIN_FD;
  try {
    process.env.SKIFF_STDIN_FD = '99';
    assert.equal(launcherStdinIsTty((fd) => fd === 99), true);
    assert.equal(launcherStdinIsTty(() => false), false);
    delete process.env.SKIFF_STDIN_FD;
    assert.equal(launcherStdinIsTty(() => true), false, 'no launcher: no terminal to hand on');
  } finally {
    if (saved === undefined) delete process.env.SKIFF_STDIN_FD;
    else process.env.SKIFF_STDIN_FD = saved;
  }
});
