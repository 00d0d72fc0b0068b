import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSilentLogger } from '../../../../common/log.ts';
import { parseVolumeName } from '../../../../common/ids.ts';
import { emptyVolumePath } from '../../../../common/layout.ts';
import { applyVolumeMounts, bindSystemMounts } from '../../../../stage1/common/apply-mounts.ts';
import type { MountCtx } from '../../../../stage1/common/apply-mounts.ts';
import { FLY_SYSTEM_MOUNTS } from '../../../../stage1/common/mount-plan.ts';
import type { VolumeMount } from '../../../../stage1/common/mount-plan.ts';
import { createFakeHost } from '../../../helpers/fake-host.ts';
import type { FakeHostOptions } from '../../../helpers/fake-host.ts';

async function setup(t: { after: (fn: () => void) => void }, hostOpts: FakeHostOptions = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-mounts-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const podRoot = path.join(dir, 'pod');
  const appRoot = path.join(podRoot, 'rootfs');
  const src = path.join(dir, 'src');
  fs.mkdirSync(path.join(appRoot, 'etc'), { recursive: true });
  fs.mkdirSync(path.join(src, 'dir'), { recursive: true });
  fs.writeFileSync(path.join(src, 'file.conf'), 'x');
  fs.symlinkSync('/etc', path.join(appRoot, 'conf')); // a target through an absolute symlink
  const host = createFakeHost(hostOpts);
  const ctx: MountCtx = { host, log: await createSilentLogger(), podRoot, appRoot };
  return { ctx, host, podRoot, appRoot, src };
}

test('system mounts: recursive slave binds onto created targets', async (t) => {
  const { ctx, host, appRoot } = await setup(t);
  bindSystemMounts(ctx, FLY_SYSTEM_MOUNTS);
  assert.deepEqual(host.mounts(), ['/proc', '/sys', '/dev'].map((p) => ({
    op: 'mount', source: p, target: path.join(appRoot, p), flags: ['--rbind', '--make-rslave'],
  })));
  for (const p of FLY_SYSTEM_MOUNTS) assert.ok(fs.statSync(path.join(appRoot, p)).isDirectory());
});

test('volumes: bind, read-only remounts (submounts too), empty volumes, file targets', async (t) => {
  const me = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
  const { ctx, host, podRoot, appRoot, src } = await setup(t, {
    procFiles: (name) => (name === 'self/mountinfo'
      ? `1 0 0:1 / ${appRoot}/data rw - x x rw\n2 1 0:2 / ${appRoot}/data/sub rw - x x rw\n3 0 0:3 / ${appRoot}/database rw - x x rw\n`
      : ''),
  });
  const mounts: VolumeMount[] = [
    { volume: 'data', source: { kind: 'host', path: path.join(src, 'dir') }, target: '/data', readOnly: true, recursive: true },
    { volume: 'conf', source: { kind: 'host', path: path.join(src, 'file.conf') }, target: '/conf/app.conf', readOnly: true, recursive: false },
    { volume: 'scratch', source: { kind: 'empty', volume: parseVolumeName('scratch'), mode: 0o1777, ...me }, target: '/tmp/scratch', readOnly: false, recursive: false },
  ];
  applyVolumeMounts(ctx, mounts);
  const scratch = emptyVolumePath(podRoot, parseVolumeName('scratch'));
  assert.deepEqual(host.mounts(), [
    { op: 'mount', source: path.join(src, 'dir'), target: `${appRoot}/data`, flags: ['--rbind', '--make-rslave'] },
    { op: 'mount', source: 'none', target: `${appRoot}/data`, options: 'remount,bind,ro' },
    { op: 'mount', source: 'none', target: `${appRoot}/data/sub`, options: 'remount,bind,ro' },
    { op: 'mount', source: path.join(src, 'file.conf'), target: `${appRoot}/etc/app.conf`, flags: ['--bind', '--make-rslave'] },
    { op: 'mount', source: 'none', target: `${appRoot}/etc/app.conf`, options: 'remount,bind,ro' },
    { op: 'mount', source: scratch, target: `${appRoot}/tmp/scratch`, flags: ['--bind', '--make-rslave'] },
  ]);
  assert.ok(fs.statSync(`${appRoot}/etc/app.conf`).isFile(), 'a file source gets a file target, through the /conf symlink');
  assert.equal(fs.statSync(scratch).mode & 0o7777, 0o1777);
  assert.equal(fs.existsSync(path.join(path.dirname(podRoot), 'etc')), false);
});

test('a missing host source fails before anything is mounted', async (t) => {
  const { ctx, host, src } = await setup(t);
  const m: VolumeMount = { volume: 'gone', source: { kind: 'host', path: path.join(src, 'missing') }, target: '/gone', readOnly: false, recursive: true };
  assert.throws(() => applyVolumeMounts(ctx, [m]), /mounting volume gone at \/gone: its source .*missing cannot be used: stat .*: ENOENT/);
  assert.deepEqual(host.mounts(), []);
});

test('a directory source cannot go onto a file in the image', async (t) => {
  const { ctx, appRoot, src } = await setup(t);
  fs.writeFileSync(path.join(appRoot, 'etc/hosts'), '');
  const m: VolumeMount = { volume: 'd', source: { kind: 'host', path: path.join(src, 'dir') }, target: '/etc/hosts', readOnly: false, recursive: true };
  assert.throws(() => applyVolumeMounts(ctx, [m]), /cannot mount onto \/etc\/hosts/);
});
