import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAppName, parsePodUuid } from '../../../../../common/ids.ts';
import {
  appCgroupPath,
  ociCgroupsPath,
  parseCgroupPath,
  podCgroupPath,
} from '../../../../../stage1/default/cgroups/cgroup-paths.ts';

const UUID = parsePodUuid('6f1c2a4e-1b2c-4d5e-8f90-123456789abc');

test('a pod is skiff/<uuid>, an app its child; the OCI cgroupsPath is absolute', () => {
  const pod = podCgroupPath(UUID);
  assert.equal(pod, `skiff/${UUID}`);
  const app = appCgroupPath(pod, parseAppName('web'));
  assert.equal(app, `skiff/${UUID}/web`);
  assert.equal(ociCgroupsPath(app), `/skiff/${UUID}/web`);
});

test('parseCgroupPath accepts a leading slash and refuses escapes and empty segments', () => {
  assert.equal(parseCgroupPath(`/skiff/${UUID}`), `skiff/${UUID}`);
  for (const bad of ['', '/', 'skiff/../etc', 'skiff//x', 'skiff/./x', 'skiff/a b', 'skiff/x\n']) {
    assert.throws(() => parseCgroupPath(bad), /invalid cgroup path/, bad);
  }
});
