// The gc teardown against a fake host and a temp pod directory: containers deleted only when
// the runtime still has them, CNI DEL in reverse with the pod's current netns path, the
// sandbox killed only when it is still the recorded process, the netns unmounted, and a
// second run finding nothing to do.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunOptions } from '../../../../common/host.ts';
import { parsePodUuid } from '../../../../common/ids.ts';
import { podNetnsPath, podRuntimeStateDir } from '../../../../common/layout.ts';
import { createSilentLogger } from '../../../../common/log.ts';
import { writeCniRecord, writeDelConfig } from '../../../../stage1/default/net/cni-record.ts';
import { writeRuntimeRecord } from '../../../../stage1/default/runtime/runtime-record.ts';
import { parseStatStartTime, writeSandboxRecord } from '../../../../stage1/default/sandbox/sandbox.ts';
import { teardownPod } from '../../../../stage1/default/teardown-pod.ts';
import { createFakeHost } from '../../../helpers/fake-host.ts';

const base = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-teardown-'));
after(() => fs.rmSync(base, { recursive: true, force: true }));
const UUID = parsePodUuid('0b1c7f0e-4f4b-4c37-9a39-6b7f1d2b9c11');

test('teardownPod releases what the records name, in order, and is idempotent', async () => {
  // The pod directory as stage0 left it after renaming it to exited-garbage/.
  const podRoot = path.join(base, 'exited-garbage', UUID);
  fs.mkdirSync(path.join(podRoot), { recursive: true });
  writeRuntimeRecord(podRoot, { name: 'runc', path: '/usr/sbin/runc', containers: [{ app: 'web', id: 'web' }, { app: 'db', id: 'db' }] });
  fs.mkdirSync(path.join(podRuntimeStateDir(podRoot), 'web'), { recursive: true }); // db is gone already
  writeCniRecord(podRoot, { containerId: UUID, cniPath: '/usr/lib/cni', steps: [
    { network: 'default', plugin: '/usr/lib/cni/ptp', ifName: 'eth0' },
    { network: 'default', plugin: '/usr/lib/cni/portmap', ifName: 'eth0' },
  ] });
  writeDelConfig(podRoot, 0, { type: 'ptp' });
  writeDelConfig(podRoot, 1, { type: 'portmap' });
  const sandbox = spawn('sleep', ['60'], { stdio: 'ignore' });
  writeSandboxRecord(podRoot, { pid: sandbox.pid!, startTime: parseStatStartTime(fs.readFileSync(`/proc/${sandbox.pid}/stat`, 'utf8'))! });
  fs.writeFileSync(podNetnsPath(podRoot), '');

  // An empty cgroup2 tree standing in for /sys/fs/cgroup: the pod's cgroup is gone already.
  const cgroupRoot = fs.mkdtempSync(path.join(base, 'cgroup-'));
  const cgroupMount = `30 1 0:26 / ${cgroupRoot} rw,nosuid - cgroup2 cgroup2 rw\n`;
  let netnsMounted = true;
  const ran: string[] = [];
  const host = createFakeHost({
    procFiles: (name) => (name === 'self/mountinfo' ? cgroupMount + (netnsMounted ? `1 2 0:4 / ${podNetnsPath(podRoot)} rw - nsfs nsfs rw\n` : '') : ''),
    runResult(file: string, args: readonly string[], opts?: RunOptions) {
      if (file.endsWith('runc')) {
        ran.push(`${path.basename(file)} ${args.join(' ')}`);
        fs.rmSync(path.join(args[1]!, args.at(-1)!), { recursive: true, force: true });
      } else {
        ran.push(`${opts?.env?.['CNI_COMMAND']} ${path.basename(file)} ${opts?.env?.['CNI_NETNS']} ${String(opts?.input)}`);
      }
      return { code: 0, stdout: '', stderr: '' };
    },
  });
  const realKill = host.kill.bind(host);
  host.kill = (pid, signal) => {
    realKill(pid, signal);
    process.kill(pid, signal);
    return true;
  };
  const umount = host.umount.bind(host);
  host.umount = (target, opts) => {
    umount(target, opts);
    netnsMounted = false;
  };
  const ctx = { podRoot, log: await createSilentLogger(), host };

  const problems = await teardownPod(ctx, UUID, { cgroupRoot });
  assert.deepEqual(problems, []);
  assert.deepEqual(ran, [
    `runc --root ${podRuntimeStateDir(podRoot)} delete --force web`,
    `DEL portmap ${podNetnsPath(podRoot)} {"type":"portmap"}`,
    `DEL ptp ${podNetnsPath(podRoot)} {"type":"ptp"}`,
  ]);
  assert.ok(host.calls.some((c) => c.op === 'kill' && c.pid === sandbox.pid && c.signal === 'SIGKILL'));
  assert.ok(host.calls.some((c) => c.op === 'umount' && c.target === podNetnsPath(podRoot)));
  assert.equal(fs.existsSync(podNetnsPath(podRoot)), false);

  // Again: nothing left to release, nothing run, nothing signalled.
  const before = host.calls.length;
  ran.length = 0;
  assert.deepEqual(await teardownPod(ctx, UUID, { cgroupRoot }), []);
  assert.deepEqual(ran, []);
  assert.equal(host.calls.filter((c, i) => i >= before && (c.op === 'kill' || c.op === 'umount')).length, 0);
});
