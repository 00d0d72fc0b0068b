// gc after a crash: kill -9 of the monitor and the runtime (the apps and the sandbox live on,
// the lock is released), or of everything including the sandbox; `skiff gc` must then leave
// no process, mount, network namespace, veth, route, iptables rule, address allocation or
// cgroup of the pod — and running it again is harmless.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
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

/** The state letter of /proc/PID/stat ('' when gone). */
function state(pid: number): string {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.charAt(stat.lastIndexOf(')') + 2);
  } catch {
    return '';
  }
}

/** Whether a TCP connection to ip:port succeeds within a second. */
function answers(ip: string, port: number): Promise<true | undefined> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: ip, port, timeout: 1000 }, () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(undefined));
    sock.once('timeout', () => {
      sock.destroy();
      resolve(undefined);
    });
  });
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
  // crun starts through a launcher on a hybrid host (the stage1's, or `unshare … sh -c 'mount …;
  // exec crun'`): the same pid throughout, called crun once it runs.
  const runtimes = await waitFor('the runtime to run', () => {
    const found = childrenOf(monitor).filter((p) => ['runc', 'crun'].includes(comm(p)));
    return found.length > 0 ? found : undefined;
  });
  assert.equal(runtimes.length, 1, 'one runtime per app');
  // `started` means the runtime was started, not that the app runs: crash a pod whose app
  // answers, as a crash in its life would find it (a runtime killed half way through making
  // the container takes the container with it).
  await waitFor('the app to answer', () => answers(ip, 8080));
  const victims = [monitor, ...runtimes];
  if (killSandbox) victims.push((JSON.parse(fs.readFileSync(path.join(pod.dir, 'sandbox.json'), 'utf8')) as { pid: number }).pid);
  for (const pid of victims) process.kill(pid, 'SIGKILL');
  // The apps live on and hold `run`'s stdout (through the tees) until gc kills them: wait for
  // the monitor's process, not for the end of its output.
  await waitFor('the monitor to be gone', () => (comm(monitor) === '' || state(monitor) === 'Z' ? true : undefined));
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
  assert.equal((await pod.run.done).signal, 'SIGKILL', 'run ends once gc has taken the apps its output came from');
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
