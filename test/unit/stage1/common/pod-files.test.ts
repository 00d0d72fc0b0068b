import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseAppName } from '../../../../common/ids.ts';
import { appStatusPath, podPidPath, podStartedPath } from '../../../../common/layout.ts';
import { markPodStarted, readPodPid, writeAppStatus, writePodPid } from '../../../../stage1/common/pod-files.ts';
import { fdinfoHasExclusiveFlock, lockFdFromEnv } from '../../../../stage1/common/pod-lock.ts';

test('pid, started and status files', (t) => {
  const podRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-podfiles-'));
  t.after(() => fs.rmSync(podRoot, { recursive: true, force: true }));
  assert.equal(readPodPid(podRoot), undefined);
  writePodPid(podRoot, 4242);
  assert.equal(fs.readFileSync(podPidPath(podRoot), 'utf8'), '4242\n');
  assert.equal(readPodPid(podRoot), 4242);
  fs.writeFileSync(podPidPath(podRoot), 'garbage');
  assert.equal(readPodPid(podRoot), undefined);
  const before = Date.now() - 1000;
  markPodStarted(podRoot);
  assert.equal(fs.statSync(podStartedPath(podRoot)).size, 0);
  assert.ok(fs.statSync(podStartedPath(podRoot)).mtimeMs >= before);
  const app = parseAppName('web');
  writeAppStatus(podRoot, app, 7);
  assert.equal(fs.readFileSync(appStatusPath(podRoot, app), 'utf8'), '7\n');
});

test('the lock fd comes from SKIFF_LOCK_FD and must be 3', () => {
  assert.equal(lockFdFromEnv({ SKIFF_LOCK_FD: '3' }), 3);
  assert.throws(() => lockFdFromEnv({}), /SKIFF_LOCK_FD is not set/);
  assert.throws(() => lockFdFromEnv({ SKIFF_LOCK_FD: '5' }), /expects the pod lock on fd 3/);
});

test('fdinfo lock lines', () => {
  assert.equal(fdinfoHasExclusiveFlock('pos:\t0\nflags:\t0100000\nlock:\t1: FLOCK  ADVISORY  WRITE 29074 fe:00:260072 0 EOF\n'), true);
  assert.equal(fdinfoHasExclusiveFlock('pos:\t0\nlock:\t1: FLOCK  ADVISORY  READ 29074 fe:00:260072 0 EOF\n'), false);
  assert.equal(fdinfoHasExclusiveFlock('pos:\t0\nflags:\t0100000\n'), false);
});
