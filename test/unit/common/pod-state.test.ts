import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  POD_STATE_NAMES,
  canEnter,
  canGc,
  canRemove,
  canRun,
  canStop,
  classifyPod,
  gcStepFor,
  isFinished,
} from '../../../common/pod-state.ts';
import type { PodState } from '../../../common/pod-state.ts';
import { POD_STATES } from '../../../common/layout.ts';

test('classifyPod follows rkt: the dir, refined by the lock', () => {
  const cases: [(typeof POD_STATES)[number], boolean, PodState][] = [
    ['embryo', false, 'embryo'],
    ['embryo', true, 'embryo'],
    ['preparing', true, 'preparing'],
    ['preparing', false, 'aborted-prepare'],
    ['prepared', false, 'prepared'],
    ['prepared', true, 'prepared'],
    ['run', true, 'running'],
    ['run', false, 'exited'],
    ['exited-garbage', false, 'exited-garbage'],
    ['exited-garbage', true, 'deleting'],
    ['garbage', false, 'garbage'],
    ['garbage', true, 'deleting'],
  ];
  for (const [dir, locked, want] of cases) assert.equal(classifyPod({ dir, locked }), want, `${dir} locked=${locked}`);
});

test('every on-disk dir classifies to a known state', () => {
  for (const dir of POD_STATES) {
    for (const locked of [true, false]) assert.ok(POD_STATE_NAMES.includes(classifyPod({ dir, locked })));
  }
});

test('guards: only a prepared pod runs; only a running pod stops or is entered', () => {
  const allowed = (guard: (s: PodState) => boolean) => POD_STATE_NAMES.filter(guard);
  assert.deepEqual(allowed(canRun), ['prepared']);
  assert.deepEqual(allowed(canStop), ['running']);
  assert.deepEqual(allowed(canEnter), ['running']);
});

test('rm refuses pods someone holds (rkt rm.go)', () => {
  for (const s of ['embryo', 'preparing', 'running', 'deleting'] as const) assert.equal(canRemove(s), false, s);
  for (const s of ['prepared', 'exited', 'exited-garbage', 'garbage', 'aborted-prepare'] as const) {
    assert.equal(canRemove(s), true, s);
  }
});

test('gc steps follow rkt gc.go', () => {
  assert.deepEqual(gcStepFor('exited'), { action: 'mark-exited-garbage' });
  assert.deepEqual(gcStepFor('exited-garbage'), { action: 'delete-after-grace-period' });
  assert.deepEqual(gcStepFor('prepared'), { action: 'move-to-garbage', onlyIfExpired: true });
  assert.deepEqual(gcStepFor('aborted-prepare'), { action: 'move-to-garbage', onlyIfExpired: false });
  assert.deepEqual(gcStepFor('garbage'), { action: 'delete' });
  for (const s of ['embryo', 'preparing', 'running', 'deleting'] as const) {
    assert.deepEqual(gcStepFor(s), { action: 'none' });
    assert.equal(canGc(s), false);
  }
  assert.equal(canGc('exited'), true);
});

test('isFinished: everything after the apps stopped or the prepare died', () => {
  assert.deepEqual(
    POD_STATE_NAMES.filter(isFinished),
    ['exited', 'exited-garbage', 'garbage', 'aborted-prepare', 'deleting'],
  );
});
