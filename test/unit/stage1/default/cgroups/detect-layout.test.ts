import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SkiffError } from '../../../../../common/errors.ts';
import {
  detectCgroupLayout,
  findCgroupMounts,
  parseControllerList,
  parseMountinfo,
} from '../../../../../stage1/default/cgroups/detect-layout.ts';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../fixtures/stage1/default/cgroups');
const fixture = (name: string): string => fs.readFileSync(path.join(FIXTURES, name), 'utf8');
const ROOT = '/sys/fs/cgroup';

test('this machine: v1 controllers plus cgroup2 at /sys/fs/cgroup/unified is hybrid', () => {
  const text = fixture('mountinfo-hybrid');
  assert.equal(detectCgroupLayout(ROOT, text), 'hybrid');
  const { mounts } = findCgroupMounts(ROOT, text);
  assert.equal(mounts.unified, '/sys/fs/cgroup/unified');
  // The pod rootfs mounts further down repeat /sys/fs/cgroup under other prefixes: ignored.
  assert.deepEqual(
    mounts.v1.map((h) => [path.basename(h.mountPoint), h.controllers.join(',')]),
    [
      ['blkio', 'blkio'], ['cpu', 'cpu'], ['cpuacct', 'cpuacct'], ['cpuset', 'cpuset'], ['devices', 'devices'],
      ['freezer', 'freezer'], ['memory', 'memory'], ['pids', 'pids'], ['systemd', 'name=systemd'],
    ],
  );
  assert.equal(parseControllerList(fixture('unified-cgroup.controllers')).join(), 'hugetlb');
});

test('cgroup2 at the root is v2; v1 hierarchies alone are v1 (co-mounted controllers split)', () => {
  assert.equal(detectCgroupLayout(ROOT, fixture('mountinfo-v2')), 'v2');
  assert.deepEqual(findCgroupMounts(ROOT, fixture('mountinfo-v2')).mounts, { unified: ROOT, v1: [] });
  const v1 = fixture('mountinfo-v1');
  assert.equal(detectCgroupLayout(ROOT, v1), 'v1');
  const { mounts } = findCgroupMounts(ROOT, v1);
  assert.equal(mounts.unified, undefined);
  assert.deepEqual(mounts.v1.find((h) => h.mountPoint.endsWith('cpu,cpuacct'))?.controllers, ['cpu', 'cpuacct']);
  assert.deepEqual(mounts.v1.find((h) => h.mountPoint.endsWith('systemd'))?.controllers, ['name=systemd']);
});

test('the root is whatever the caller says: a temp dir in tests, with escaped mount points', () => {
  const text = fixture('mountinfo-v2').replaceAll('/sys/fs/cgroup', '/tmp/with\\040space/cg');
  assert.equal(detectCgroupLayout('/tmp/with space/cg', text), 'v2');
  assert.throws(() => detectCgroupLayout(ROOT, text), (err: unknown) => {
    assert.ok(err instanceof SkiffError);
    assert.equal(err.code, 'IO');
    assert.match(err.message, /no cgroup filesystem is mounted at \/sys\/fs\/cgroup/);
    return true;
  });
});

test('stacked mounts: the topmost one at a mount point wins', () => {
  const text = `${fixture('mountinfo-hybrid')}900 31 0:99 / /sys/fs/cgroup rw,relatime - cgroup2 cgroup2 rw\n`;
  assert.equal(detectCgroupLayout(ROOT, text), 'v2');
});

test('parseMountinfo: optional fields before the separator, junk lines skipped', () => {
  const entries = parseMountinfo('31 22 0:27 / /sys/fs/cgroup rw,nosuid shared:9 master:2 - cgroup2 cgroup2 rw,nsdelegate\ngarbage\n\n');
  assert.deepEqual(entries, [{ mountPoint: '/sys/fs/cgroup', fsType: 'cgroup2', source: 'cgroup2', superOptions: ['rw', 'nsdelegate'] }]);
  assert.deepEqual(parseControllerList(''), []);
  assert.deepEqual(parseControllerList('cpuset cpu io memory pids\n'), ['cpuset', 'cpu', 'io', 'memory', 'pids']);
});
