import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { App } from '../../../../../common/appc-types.ts';
import { parseAppName } from '../../../../../common/ids.ts';
import type { PodApp } from '../../../../../stage1/common/pod-manifest.ts';
import { planPortMappings } from '../../../../../stage1/default/net/port-mappings.ts';

const appWith = (name: string, ports: App['ports']): PodApp => ({
  name: parseAppName(name),
  runtime: { name, image: { id: 'sha512-x' } },
  app: { user: '0', group: '0', exec: ['/x'], ports },
  image: undefined,
});

test('--port NAME:HOSTPORT maps to the port some app declares, with its protocol', () => {
  const apps = [appWith('web', [{ name: 'http', protocol: 'tcp', port: 80 }]), appWith('dns', [{ name: 'dns', protocol: 'UDP', port: 53 }])];
  assert.deepEqual(planPortMappings([{ name: 'dns', hostPort: 5353 }, { name: 'http', hostPort: 8080, hostIP: '127.0.0.1' }], apps), [
    { hostPort: 5353, containerPort: 53, protocol: 'udp' },
    { hostPort: 8080, containerPort: 80, protocol: 'tcp', hostIP: '127.0.0.1' },
  ]);
  assert.deepEqual(planPortMappings(undefined, apps), []);
});

test('a port with a count maps a range', () => {
  const apps = [appWith('a', [{ name: 'r', protocol: 'tcp', port: 9000, count: 3 }])];
  assert.deepEqual(planPortMappings([{ name: 'r', hostPort: 19000 }], apps).map((m) => `${m.hostPort}:${m.containerPort}`), ['19000:9000', '19001:9001', '19002:9002']);
  assert.throws(() => planPortMappings([{ name: 'r', hostPort: 65535 }], apps), /goes past 65535/);
});

test('an unknown port name says which the apps declare', () => {
  const apps = [appWith('web', [{ name: 'http', protocol: 'tcp', port: 80 }])];
  assert.throws(() => planPortMappings([{ name: 'https', hostPort: 443 }], apps), (err: Error & { hint?: string }) => {
    assert.match(err.message, /no app of the pod declares a port named https/);
    assert.match(err.hint ?? '', /http/);
    return true;
  });
});
