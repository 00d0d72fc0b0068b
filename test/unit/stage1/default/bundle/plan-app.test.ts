import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { App, PodManifest, RuntimeApp } from '../../../../../common/appc-types.ts';
import { parseAppName } from '../../../../../common/ids.ts';
import { appRootfsPath } from '../../../../../common/layout.ts';
import type { PodApp } from '../../../../../stage1/common/pod-manifest.ts';
import { implicitVolumes, planApp } from '../../../../../stage1/default/bundle/plan-app.ts';

const base = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-planapp-'));
after(() => fs.rmSync(base, { recursive: true, force: true }));

function pod(app: Partial<App>, runtime: Partial<RuntimeApp> = {}, volumes: PodManifest['volumes'] = []): { manifest: PodManifest; podApp: PodApp } {
  const a: App = { exec: ['/bin/app'], user: '0', group: '0', ...app };
  const rt: RuntimeApp = { name: 'web', image: { id: 'sha512-x' }, app: a, ...runtime };
  return { manifest: { acKind: 'PodManifest', acVersion: '0.8.11', apps: [rt], volumes }, podApp: { name: parseAppName('web'), runtime: rt, app: a, image: undefined } };
}

function makeRoot(files: Record<string, { content: string; mode: number }>): string {
  const podRoot = fs.mkdtempSync(path.join(base, 'pod-'));
  const root = appRootfsPath(podRoot, parseAppName('web'));
  for (const [p, f] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
    fs.writeFileSync(path.join(root, p), f.content, { mode: f.mode });
  }
  fs.mkdirSync(root, { recursive: true });
  return podRoot;
}

const EXE = { content: '#!/bin/sh\n', mode: 0o755 };

test('implicit volumes: image mount points no pod volume and no mount covers, with a warning each', () => {
  const { manifest, podApp } = pod(
    { mountPoints: [{ name: 'data', path: '/data' }, { name: 'cache', path: '/cache' }, { name: 'logs', path: '/var/log' }] },
    { mounts: [{ volume: 'other', path: '/var/log' }] },
    [{ name: 'cache', kind: 'empty' }, { name: 'other', kind: 'empty' }],
  );
  assert.deepEqual(implicitVolumes(manifest, podApp), ['data']);
  const podRoot = makeRoot({ '/bin/app': EXE });
  const plan = planApp(podRoot, manifest, podApp);
  assert.equal(plan.warnings.length, 1);
  assert.match(plan.warnings[0]!, /mount point data has no volume; it gets an empty one/);
  assert.deepEqual(plan.volumes.map((v) => `${v.volume}:${v.target}`), ['data:/data', 'cache:/cache', 'other:/var/log']);
});

test('the user resolves in the app’s own /etc/passwd and /etc/group', () => {
  const podRoot = makeRoot({
    '/bin/app': EXE,
    '/etc/passwd': { content: 'root:x:0:0::/root:/bin/sh\nweb:x:1000:1000::/home/web:/bin/sh\n', mode: 0o644 },
    '/etc/group': { content: 'web:x:1000:\nextra:x:2000:web\n', mode: 0o644 },
  });
  const { manifest, podApp } = pod({ user: 'web', group: '' });
  const plan = planApp(podRoot, manifest, podApp);
  assert.deepEqual(plan.user, { uid: 1000, gid: 1000, supplementaryGids: [2000], home: '/home/web' });
  const missing = pod({ user: 'nobody-here', group: '0' });
  assert.throws(() => planApp(podRoot, missing.manifest, missing.podApp), /user "nobody-here" is not in app "web"'s \/etc\/passwd/);
});

test('a missing command is 127, a non-executable one 126, before anything runs; one on a volume is left to the runtime', () => {
  const podRoot = makeRoot({ '/bin/app': EXE, '/etc/notexec': { content: 'x', mode: 0o644 } });
  const gone = pod({ exec: ['/no/such'] });
  assert.throws(() => planApp(podRoot, gone.manifest, gone.podApp), (e: Error & { code?: string }) => e.code === 'APP_NOT_FOUND');
  const notExec = pod({ exec: ['/etc/notexec'] });
  assert.throws(() => planApp(podRoot, notExec.manifest, notExec.podApp), (e: Error & { code?: string }) => e.code === 'APP_NOT_EXECUTABLE');
  const onVolume = pod({ exec: ['/tools/run'] }, { mounts: [{ volume: 'tools', path: '/tools' }] }, [{ name: 'tools', kind: 'host', source: '/opt/tools' }]);
  assert.doesNotThrow(() => planApp(podRoot, onVolume.manifest, onVolume.podApp));
});

test('an app whose root is missing was not prepared', () => {
  const { manifest, podApp } = pod({});
  assert.throws(() => planApp(path.join(base, 'nowhere'), manifest, podApp), /the root of app web is missing/);
});
