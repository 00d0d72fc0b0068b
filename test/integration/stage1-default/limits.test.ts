// Isolators enforced on real apps: a memory hog is OOM-killed at --memory (status 137 and the
// oom marker), a syscall removed with --seccomp fails with the chosen errno, a capability
// removed with --caps-remove is gone, and a non-root app runs with no-new-privileges.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { statusOf } from '../pods/pod-helpers.ts';
import type { Env } from './default-pod.ts';
import { assertNothingLeft, makeEnv, outLines, runPod, skipUnlessDefaultStage1 } from './default-pod.ts';

const skip = skipUnlessDefaultStage1();
let env: Env;
let image = '';

describe('default stage1: limits, seccomp, capabilities', { skip }, () => {
  before(async () => {
    env = makeEnv('skiff-limits-');
    image = await env.images.aci({ name: 'example.com/limits', exec: ['/bin/true'] });
  });
  after(() => env?.cleanup());

  // crun (what this host picks) removes its cgroup as the app exits, so stage1 keeps the limit a
  // level up; runc keeps its own until delete. Both must say it was the OOM killer.
  for (const runtime of [[], ['--stage1-runtime=runc']]) {
    it(`an app allocating past --memory is OOM-killed: status 137, and the pod says it was the OOM killer (${runtime[0] ?? 'default runtime'})`, async () => {
      const res = await runPod(env, ['--net=none', ...runtime, image, '--memory=32M', '--exec=/bin/dd', '--', 'if=/dev/zero', 'of=/dev/null', 'bs=96M', 'count=1']);
      assert.equal(res.code, 137, res.stderr);
      assert.match(res.stderr, /app limits was killed by the OOM killer/);
      const status = await statusOf(env.data.path, res.uuid);
      assert.equal(status['app-limits'], '137');
      assert.equal(status['app-limits-oom'], 'true');
      assert.ok(fs.existsSync(path.join(env.data.path, 'pods', 'run', res.uuid, 'stage1', 'rootfs', 'skiff', 'oom', 'limits')));
      assertNothingLeft(res.uuid);
    });
  }

  it('within --memory the same allocation succeeds', async () => {
    const res = await runPod(env, ['--net=none', image, '--memory=128M', '--exec=/bin/dd', '--', 'if=/dev/zero', 'of=/dev/null', 'bs=32M', 'count=1']);
    assert.equal(res.code, 0, res.stderr);
  });

  const v1Cpu = fs.existsSync('/sys/fs/cgroup/cpu/cpu.shares') ? false : 'reads the cgroup v1 files';
  it('--cpu is a CFS quota, --cpu-shares the shares, and a pids limit is set', { skip: v1Cpu }, async () => {
    const cg = (f: string): string => `cat /sys/fs/cgroup/${f}`;
    const res = await runPod(env, ['--net=none', image, '--cpu=250m', '--cpu-shares=512', '--exec=/bin/sh', '--', '-c',
      [cg('cpu/cpu.cfs_quota_us'), cg('cpu/cpu.cfs_period_us'), cg('cpu/cpu.shares'), cg('pids/pids.max')].join('; ')]);
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(outLines(res.stdout), ['25000', '100000', '512', '4096']);
  });

  it('--seccomp=mode=remove,errno=ENOSYS,mkdir makes mkdir fail with ENOSYS; without it mkdir works', async () => {
    const blocked = await runPod(env, ['--net=none', image, '--seccomp=mode=remove,errno=ENOSYS,mkdir', '--exec=/bin/mkdir', '--', '/tmp/x']);
    assert.equal(blocked.code, 1);
    assert.match(blocked.stderr, /Function not implemented/);
    const free = await runPod(env, ['--net=none', image, '--exec=/bin/mkdir', '--', '/tmp/x']);
    assert.equal(free.code, 0, free.stderr);
  });

  it('--caps-remove=CAP_CHOWN makes chown fail for root; the default set allows it', async () => {
    const script = 'touch /tmp/f && chown 1000 /tmp/f && echo chowned';
    const removed = await runPod(env, ['--net=none', image, '--caps-remove=CAP_CHOWN', '--exec=/bin/sh', '--', '-c', script]);
    assert.equal(removed.code, 1);
    assert.match(removed.stderr, /Operation not permitted/);
    const kept = await runPod(env, ['--net=none', image, '--exec=/bin/sh', '--', '-c', script]);
    assert.equal(kept.code, 0, kept.stderr);
    assert.deepEqual(outLines(kept.stdout), ['chowned']);
  });

  it('a non-root app: its user from the image, no capabilities, no-new-privileges', async () => {
    const res = await runPod(env, ['--net=none', image, '--user=app', '--group=app', '--exec=/bin/sh', '--', '-c', 'id; grep -E "^(CapEff|NoNewPrivs)" /proc/self/status']);
    assert.equal(res.code, 0, res.stderr);
    const lines = outLines(res.stdout);
    assert.match(lines[0]!, /^uid=1000\(app\) gid=1000\(app\)/);
    assert.ok(lines.some((l) => /^CapEff:\s+0+$/.test(l)), res.stdout);
    assert.ok(lines.some((l) => /^NoNewPrivs:\s+1$/.test(l)), res.stdout);
  });
});
