import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PodManifest } from '../../../../common/appc-types.ts';
import { parseAppName } from '../../../../common/ids.ts';
import { appImageManifestPath, podManifestPath } from '../../../../common/layout.ts';
import { effectiveGroup, findApp, OCI_USER_ANNOTATION, onlyApp, readPodManifest } from '../../../../stage1/common/pod-manifest.ts';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../fixtures/stage1');

function podDir(t: { after: (fn: () => void) => void }, manifest: unknown): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-podman-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(podManifestPath(dir), JSON.stringify(manifest));
  return dir;
}

const fly = (): PodManifest => JSON.parse(fs.readFileSync(path.join(fixtures, 'pod-fly.json'), 'utf8')) as PodManifest;

test('reads and validates the pod manifest; fly takes its only app', (t) => {
  const dir = podDir(t, fly());
  const pod = readPodManifest(dir);
  const app = onlyApp(dir, pod, 'fly');
  assert.equal(app.name, 'tool');
  assert.deepEqual(app.app.exec, ['/bin/tool', '--serve']);
  assert.equal(findApp(dir, pod, undefined).name, 'tool');
  assert.throws(() => findApp(dir, pod, parseAppName('other')), /the pod has no app "other" \(it has tool\)/);
});

test('an invalid manifest or a second app is refused', (t) => {
  assert.throws(() => readPodManifest(podDir(t, { acKind: 'PodManifest' })), /pod manifest in .* is invalid/);
  const two = fly();
  two.apps.push({ ...two.apps[0]!, name: 'second' });
  const dir = podDir(t, two);
  assert.throws(() => onlyApp(dir, readPodManifest(dir), 'fly'), /the fly stage1 runs exactly one app, and this pod has 2/);
  assert.throws(() => findApp(dir, readPodManifest(dir), undefined), /name one with --app \(tool, second\)/);
  assert.throws(() => fs.accessSync(podManifestPath(path.join(dir, 'nope'))));
  assert.throws(() => readPodManifest(path.join(dir, 'nope')), /reading the pod manifest/);
});

test('without an app section, the image manifest\'s app applies', (t) => {
  const pod = fly();
  delete pod.apps[0]!.app;
  const dir = podDir(t, pod);
  const name = parseAppName('tool');
  fs.mkdirSync(path.dirname(appImageManifestPath(dir, name)), { recursive: true });
  fs.writeFileSync(appImageManifestPath(dir, name), JSON.stringify({
    acKind: 'ImageManifest', acVersion: '0.8.11', name: 'example.com/tool',
    labels: [{ name: 'os', value: 'linux' }, { name: 'arch', value: 'amd64' }],
    app: { exec: ['/bin/image-default'], user: '0', group: '0' },
  }));
  assert.deepEqual(onlyApp(dir, readPodManifest(dir), 'fly').app.exec, ['/bin/image-default']);
});

test('a group the OCI converter implied becomes the user\'s primary group', (t) => {
  const dir = podDir(t, fly());
  const app = onlyApp(dir, readPodManifest(dir), 'fly');
  assert.equal(effectiveGroup(app), 'app');
  const image = { acKind: 'ImageManifest' as const, acVersion: '0.8.11', name: 'x', annotations: [{ name: OCI_USER_ANNOTATION, value: 'app' }] };
  assert.equal(effectiveGroup({ ...app, image }), '');
  assert.equal(effectiveGroup({ ...app, app: { ...app.app, user: 'root' }, image }), 'app');
  assert.equal(effectiveGroup({ ...app, app: { ...app.app, group: 'media' }, image }), 'media');
});
