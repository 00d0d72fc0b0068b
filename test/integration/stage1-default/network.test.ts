// Networking of default-stage1 pods through the host's CNI plugins: --net=default gives eth0
// in 172.16.28.0/24 that the host reaches, --port forwards a host port to the app's port
// through portmap, net-status.json says the pod's address for status/list, and the end of the
// run (CNI DEL) leaves no veth, route, masquerade rule or address allocation behind.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { podIpAddresses, readPodNetStatus } from '../../../common/pod-net-status.ts';
import type { Env } from './default-pod.ts';
import { assertNothingLeft, makeEnv, outLines, runPod, skipUnlessDefaultStage1, startPod, vethCount, waitFor } from './default-pod.ts';

const skip = skipUnlessDefaultStage1();
let env: Env;
let image = '';
const HOST_PORT = 18000 + (process.pid % 1000);

function get(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host, port, path: '/index.html', timeout: 3000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

describe('default stage1: networking', { skip }, () => {
  before(async () => {
    env = makeEnv('skiff-net-');
    image = await env.images.aci({
      name: 'example.com/web',
      exec: ['/bin/httpd', '-f', '-p', '8080', '-h', '/www'],
      ports: [{ name: 'http', protocol: 'tcp', port: 8080 }],
      extraFiles: { '/www/index.html': 'hello from the pod\n' },
    });
  });
  after(() => env?.cleanup());

  it('--net=default: eth0 with a 172.16.28.x address and a default route; nothing left after the run', async () => {
    const veths = vethCount();
    const res = await runPod(env, [image, '--exec=/bin/sh', '--', '-c', 'ip -4 -o addr show eth0; ip route']);
    assert.equal(res.code, 0, res.stderr);
    const ip = /inet (172\.16\.28\.\d+)\/24/.exec(res.stdout)?.[1];
    assert.ok(ip, res.stdout);
    assert.ok(outLines(res.stdout).some((l) => l.startsWith('default via 172.16.28.1')), res.stdout);
    assertNothingLeft(res.uuid, { podIp: ip });
    assert.equal(vethCount(), veths, 'the veth pair is gone');
  });

  it('the host reaches a server in the pod, and --port forwards a host port to it', async () => {
    const pod = await startPod(env, [`--port=http:${HOST_PORT}`, image]);
    const status = readPodNetStatus(pod.dir);
    assert.equal(status?.mode, 'cni');
    assert.deepEqual(status?.networks.map((n) => [n.name, n.ifName]), [['default', 'eth0']]);
    const [ip] = podIpAddresses(status);
    assert.match(ip ?? '', /^172\.16\.28\.\d+$/);
    assert.equal(await waitFor('httpd', () => get(ip!, 8080).catch(() => undefined)), 'hello from the pod\n');
    assert.equal(await get('127.0.0.1', HOST_PORT), 'hello from the pod\n', 'localhost:HOSTPORT reaches the pod');
    const stop = await import('../../helpers/cli.ts').then((m) => m.runSkiff(['stop', pod.uuid], { dataDir: env.data.path }));
    assert.equal(stop.code, 0, stop.stderr);
    const res = await pod.run.done;
    assert.equal(res.code, 143, res.stderr);
    assertNothingLeft(pod.uuid, { podIp: ip });
    await assert.rejects(get('127.0.0.1', HOST_PORT), 'the forward is gone');
  });

  it('--net=default-restricted: its own subnet; --port with --net=none is refused', async () => {
    const res = await runPod(env, ['--net=default-restricted', image, '--exec=/bin/ip', '--', '-4', '-o', 'addr', 'show', 'eth0']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /inet 172\.16\.29\.\d+\/24/);
    assertNothingLeft(res.uuid);
    const none = await runPod(env, ['--net=none', `--port=http:${HOST_PORT}`, image]);
    assert.equal(none.code, 125);
    assert.match(none.stderr, /--port needs a network/);
    assertNothingLeft(none.uuid);
  });

  it('--net=NAME takes a user configuration (SKIFF_CNI_CONFIG_DIR standing in for /etc/skiff/net.d)', async (t) => {
    const name = `skiff-test-${process.pid}`;
    // host-local keeps its (then empty) allocation store per network name: not ours to leave.
    t.after(() => fs.rmSync(path.join('/var/lib/cni/networks', name), { recursive: true, force: true }));
    const confDir = path.join(env.tmp.path, 'net.d');
    fs.mkdirSync(confDir);
    fs.writeFileSync(path.join(confDir, '10-lab.conflist'), JSON.stringify({
      cniVersion: '1.0.0',
      name,
      plugins: [{ type: 'ptp', ipMasq: false, ipam: { type: 'host-local', ranges: [[{ subnet: '10.213.7.0/24' }]] } }],
    }));
    const res = await runPod(env, [`--net=${name}`, image, '--exec=/bin/ip', '--', '-4', '-o', 'addr', 'show', 'eth0'], { env: { SKIFF_CNI_CONFIG_DIR: confDir } });
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /inet 10\.213\.7\.\d+\/24/);
    assertNothingLeft(res.uuid);
    const unknown = await runPod(env, ['--net=nosuch', image], { env: { SKIFF_CNI_CONFIG_DIR: confDir } });
    assert.equal(unknown.code, 125);
    assert.ok(unknown.stderr.includes(`no network named "nosuch" (known: default, default-restricted, ${name})`), unknown.stderr);
  });
});
