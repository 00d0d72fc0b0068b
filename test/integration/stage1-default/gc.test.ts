// gc after a crash: kill -9 of the monitor and the runtime (the apps and the sandbox live on,
// the lock is released), or of everything including the sandbox; `skiff gc` must then leave
// no process, mount, network namespace, veth, route, iptables rule, address allocation or
// cgroup of the pod — and running it again is harmless.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { podIpAddresses, readPodNetStatus } from '../../../common/pod-net-status.ts';
import { runSkiff } from '../../helpers/cli.ts';
import { statusOf } from '../pods/pod-helpers.ts';
import type { Env } from './default-pod.ts';
import { assertNothingLeft, leftovers, makeEnv, skipUnlessDefaultStage1, startPod, vethCount, waitFor } from './default-pod.ts';

const skip = skipUnlessDefaultStage1();
let env: Env;
let image = '';

function childrenOf(pid: number): number[] {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

const comm = (pid: number): string => {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
};

async function crashAndCollect(killSandbox: boolean, runtimeArgs: readonly string[] = []): Promise<void> {
  const veths = vethCount();
  const pod = await startPod(env, [...runtimeArgs, `--port=http:${19000 + (process.pid % 500) + (killSandbox ? 1 : 0)}`, image]);
  const ip = podIpAddresses(readPodNetStatus(pod.dir))[0];
  assert.ok(ip, 'the pod has an address');
  const monitor = Number(fs.readFileSync(path.join(pod.dir, 'pid'), 'utf8'));
  // crun starts as `unshare … sh -c 'mount …; exec crun'` on a hybrid host: the same pid throughout.
  const runtimes = childrenOf(monitor).filter((p) => ['runc', 'crun', 'unshare', 'sh'].includes(comm(p)));
  assert.equal(runtimes.length, 1, 'one runtime per app');
  const victims = [monitor, ...runtimes];
  if (killSandbox) victims.push((JSON.parse(fs.readFileSync(path.join(pod.dir, 'sandbox.json'), 'utf8')) as { pid: number }).pid);
  for (const pid of victims) process.kill(pid, 'SIGKILL');
  await pod.run.done;
  await waitFor('the pod to be seen exited', async () => ((await statusOf(env.data.path, pod.uuid))['state'] === 'exited' ? true : undefined));
  assert.notDeepEqual(leftovers(pod.uuid, { podIp: ip, afterGc: true }), [], 'the crash left things to collect');

  const gc = await runSkiff(['gc', '--grace-period=0s'], { dataDir: env.data.path });
  assert.equal(gc.code, 0, gc.stderr);
  assert.doesNotMatch(gc.stderr, /warning/, gc.stderr);
  assertNothingLeft(pod.uuid, { podIp: ip, afterGc: true });
  assert.equal(vethCount(), veths, 'no veth left');
  assert.equal(fs.existsSync(pod.dir), false);
  const again = await runSkiff(['gc', '--grace-period=0s'], { dataDir: env.data.path });
  assert.equal(again.code, 0, again.stderr);
}

describe('default stage1: gc after a crash', { skip }, () => {
  before(async () => {
    env = makeEnv('skiff-gc-');
    image = await env.images.aci({
      name: 'example.com/gc',
      exec: ['/bin/sh', '-c', 'sleep 300 & httpd -f -p 8080 -h /'],
      ports: [{ name: 'http', protocol: 'tcp', port: 8080 }],
    });
  });
  after(() => env?.cleanup());

  it('kill -9 of the monitor and runc: gc kills the apps and releases network, netns, cgroups and mounts', async () => {
    await crashAndCollect(false, ['--stage1-runtime=runc']);
  });

  it('kill -9 of the monitor and the runtime the host picks (crun here): the same', async () => {
    await crashAndCollect(false);
  });

  it('kill -9 of the sandbox too: the persisted netns still lets CNI DEL remove its rules', async () => {
    await crashAndCollect(true);
  });
});
