// Writing an app's OCI bundle into a temp pod directory: targets made inside the app's root
// (never through a symlink to the host), the /etc binds aimed at resolved paths, empty
// volumes created, and a config.json that joins the sandbox's namespaces.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { App, PodManifest, RuntimeApp } from '../../../../../common/appc-types.ts';
import { parseAppName } from '../../../../../common/ids.ts';
import { appOciConfigPath, appRootfsPath, emptyVolumePath } from '../../../../../common/layout.ts';
import type { PodApp } from '../../../../../stage1/common/pod-manifest.ts';
import { planApp } from '../../../../../stage1/default/bundle/plan-app.ts';
import { writeAppBundle } from '../../../../../stage1/default/bundle/write-bundle.ts';
import type { PodSettings } from '../../../../../stage1/default/bundle/write-bundle.ts';
import type { OciRuntimeSpec } from '../../../../../stage1/default/oci-spec/oci-runtime-types.ts';

const base = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-bundle-'));
after(() => fs.rmSync(base, { recursive: true, force: true }));

test('writeAppBundle: mounts resolved inside the root, namespaces joined, cgroup and limits set', () => {
  const podRoot = fs.mkdtempSync(path.join(base, 'pod-'));
  const name = parseAppName('web');
  const root = appRootfsPath(podRoot, name);
  fs.mkdirSync(path.join(root, 'bin'), { recursive: true });
  fs.writeFileSync(path.join(root, 'bin/app'), '#!/bin/sh\n', { mode: 0o755 });
  fs.mkdirSync(path.join(root, 'etc'));
  fs.mkdirSync(path.join(root, 'run'));
  // An image that points /etc/hosts and /data elsewhere: both must stay inside the root.
  fs.symlinkSync('../run/hosts', path.join(root, 'etc/hosts'));
  fs.symlinkSync('/srv/data', path.join(root, 'data'));
  const hostSource = fs.mkdtempSync(path.join(base, 'src-'));
  const app: App = {
    exec: ['/bin/app'], user: '0', group: '0', workingDirectory: '/work',
    isolators: [{ name: 'resource/memory', value: { limit: '64M' } }],
    mountPoints: [{ name: 'scratch', path: '/scratch' }],
  };
  const rt: RuntimeApp = { name, image: { id: 'sha512-x' }, app, mounts: [{ volume: 'data', path: '/data' }, { volume: 'ro', path: '/ro' }], readOnlyRootFS: true };
  const manifest: PodManifest = {
    acKind: 'PodManifest', acVersion: '0.8.11', apps: [rt],
    volumes: [{ name: 'data', kind: 'empty', mode: '0750', uid: 1, gid: 2 }, { name: 'ro', kind: 'host', source: hostSource, readOnly: true }],
  };
  const podApp: PodApp = { name, runtime: rt, app, image: undefined };
  const etcDir = fs.mkdtempSync(path.join(base, 'etc-'));
  for (const f of ['hostname', 'hosts']) fs.writeFileSync(path.join(etcDir, f), 'x\n');
  const settings: PodSettings = {
    podNamespaces: { pid: '/proc/42/ns/pid', ipc: '/proc/42/ns/ipc', uts: '/proc/42/ns/uts', network: '/proc/42/ns/net' },
    hostNetwork: false,
    hostname: 'skiff-x',
    etcFiles: { hostname: path.join(etcDir, 'hostname'), hosts: path.join(etcDir, 'hosts') },
    insecure: {},
    interactive: false,
    host: { capabilities: ['CAP_CHOWN', 'CAP_KILL'] },
  };
  const hostHadIt = fs.existsSync('/srv/data');
  const plan = planApp(podRoot, manifest, podApp);
  const { warnings, memoryLimit } = writeAppBundle(podRoot, plan, settings, { path: '/skiff/u/web' });
  assert.equal(memoryLimit, undefined, 'the limit stays in the config');
  const spec = JSON.parse(fs.readFileSync(appOciConfigPath(podRoot, name), 'utf8')) as OciRuntimeSpec;

  assert.equal(spec.root.path, root);
  assert.equal(spec.root.readonly, true);
  assert.equal(spec.linux.cgroupsPath, '/skiff/u/web');
  assert.equal(spec.linux.resources?.memory?.limit, 64_000_000);
  assert.deepEqual(spec.linux.namespaces, [
    { type: 'pid', path: '/proc/42/ns/pid' }, { type: 'network', path: '/proc/42/ns/net' },
    { type: 'ipc', path: '/proc/42/ns/ipc' }, { type: 'uts', path: '/proc/42/ns/uts' }, { type: 'mount' },
  ]);
  assert.equal(spec.hostname, undefined, 'the sandbox set the hostname in the shared UTS namespace');
  assert.deepEqual(spec.process.capabilities?.bounding, ['CAP_CHOWN', 'CAP_KILL']);
  assert.ok(warnings.some((w) => /does not grant/.test(w)), 'the capabilities the host lacks are reported');
  assert.ok(warnings.length >= 1);

  const byDest = new Map(spec.mounts.map((m) => [m.destination, m]));
  // Resolved in the root: the symlinks' targets, created there (not on the host).
  assert.equal(byDest.get('/run/hosts')?.source, path.join(etcDir, 'hosts'));
  assert.ok(fs.existsSync(path.join(root, 'run/hosts')));
  assert.equal(byDest.get('/srv/data')?.source, emptyVolumePath(podRoot, 'data' as never));
  assert.ok(fs.statSync(path.join(root, 'srv/data')).isDirectory());
  assert.equal(fs.existsSync('/srv/data'), hostHadIt, 'nothing made on the host');
  const st = fs.statSync(emptyVolumePath(podRoot, 'data' as never));
  assert.equal(st.mode & 0o7777, 0o750);
  assert.deepEqual([st.uid, st.gid], [1, 2]);
  assert.deepEqual(byDest.get('/ro'), { destination: '/ro', type: 'bind', source: hostSource, options: ['rbind', 'ro'] });
  assert.equal(byDest.get('/scratch')?.source, emptyVolumePath(podRoot, 'scratch' as never), 'the implicit empty volume');
  assert.ok(byDest.has('/etc/hostname'));
  assert.ok(fs.statSync(path.join(root, 'work')).isDirectory(), 'the working directory is made');

  // Nested below a cgroup of stage1's own: the memory limit is stage1's to set, the rest stays.
  const nested = writeAppBundle(podRoot, plan, settings, { path: '/skiff/u/web/container', memoryAbove: true });
  assert.equal(nested.memoryLimit, 64_000_000);
  const nestedSpec = JSON.parse(fs.readFileSync(appOciConfigPath(podRoot, name), 'utf8')) as OciRuntimeSpec;
  assert.equal(nestedSpec.linux.cgroupsPath, '/skiff/u/web/container');
  assert.equal(nestedSpec.linux.resources?.memory, undefined);
  assert.deepEqual(nestedSpec.linux.resources?.pids, spec.linux.resources?.pids);
  assert.deepEqual(nestedSpec.linux.resources?.devices, spec.linux.resources?.devices);
});
