import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildPodManifest,
  defaultAppName,
  mergeEnvironment,
  resolveExec,
} from '../../../../stage0/pod/build-pod-manifest.ts';
import type { BuildPodManifestInput, PodAppInput } from '../../../../stage0/pod/build-pod-manifest.ts';
import { emptyAppOptions, parseAppOptions } from '../../../../stage0/pod/app-options.ts';
import { defaultPodOptions, parseEnvFile, parsePodOptions } from '../../../../stage0/pod/pod-options.ts';
import { splitApps } from '../../../../stage0/pod/split-apps.ts';
import { SkiffError } from '../../../../common/errors.ts';
import type { ImageManifest } from '../../../../common/appc-types.ts';
import { loadCases, loadImage, readGolden } from './pod-fixtures.ts';
import type { PodCase } from './pod-fixtures.ts';

const invalid = (re: RegExp) => (err: unknown) =>
  err instanceof SkiffError && err.code === 'POD_MANIFEST_INVALID' && re.test(err.message);

/** The whole pure path: argv → split → parse → manifest, as `skiff prepare` runs it. */
function buildFromArgv(c: PodCase) {
  const split = splitApps(c.argv);
  const pod = parsePodOptions(split.podArgs);
  const apps: PodAppInput[] = split.apps.map((a) => {
    const key = c.images[a.image];
    if (key === undefined) throw new Error(`case ${c.name}: no fixture for image ${a.image}`);
    const image = loadImage(key);
    return { imageId: image.id, imageManifest: image.manifest, opts: parseAppOptions(a.appArgs), execArgs: a.execArgs };
  });
  const input: BuildPodManifestInput = { apps, pod, hostEnv: c.hostEnv };
  if (c.envFile !== undefined) input.envFile = parseEnvFile(c.envFile, '/etc/pod.env');
  return buildPodManifest(input);
}

for (const c of loadCases()) {
  test(`golden: ${c.name} (${c.description})`, () => {
    const actual = buildFromArgv(c);
    assert.deepEqual(actual, readGolden(c.name, actual));
  });
}

const nginx = (): ImageManifest => loadImage('nginx').manifest;
const appInput = (over: Partial<PodAppInput> = {}): PodAppInput => ({
  imageId: loadImage('nginx').id,
  imageManifest: nginx(),
  opts: emptyAppOptions(),
  ...over,
});
const build = (apps: PodAppInput[], pod: Partial<BuildPodManifestInput['pod']> = {}) =>
  buildPodManifest({ apps, pod: { ...defaultPodOptions(), ...pod }, hostEnv: {} });

test('the image manifest given as input is not modified', () => {
  const image = nginx();
  const before = structuredClone(image);
  build([appInput({ imageManifest: image, opts: { ...emptyAppOptions(), memoryBytes: 8192, environment: { X: '1' } }, execArgs: ['-t'] })]);
  assert.deepEqual(image, before);
});

test('exec: --exec replaces the command, -- ARGS replace the arguments', () => {
  const image = ['/bin/app', '--serve', '--port=80'];
  assert.deepEqual(resolveExec(image, undefined, undefined), image);
  assert.deepEqual(resolveExec(image, undefined, ['--debug']), ['/bin/app', '--debug']);
  assert.deepEqual(resolveExec(image, undefined, []), ['/bin/app']);
  assert.deepEqual(resolveExec(image, '/bin/sh', undefined), ['/bin/sh']);
  assert.deepEqual(resolveExec(image, 'sh', ['-c', 'id']), ['sh', '-c', 'id']);
  assert.equal(resolveExec(undefined, undefined, ['x']), undefined);
  assert.equal(resolveExec([], undefined, undefined), undefined);
});

test('an app without any exec is refused, naming the fix', () => {
  const noApp = loadImage('busybox-no-app');
  assert.throws(
    () => build([{ imageId: noApp.id, imageManifest: noApp.manifest, opts: emptyAppOptions(), execArgs: ['x'] }]),
    invalid(/app busybox-static has no exec: give --exec/),
  );
});

test('environment precedence: inherited < image < env file < --set-env < --environment', () => {
  const env = mergeEnvironment({
    image: [{ name: 'PATH', value: '/image' }, { name: 'A', value: 'image' }],
    inherited: { PATH: '/host', HOME: '/root', A: 'host', B: 'host' },
    envFile: { B: 'file', C: 'file' },
    setEnv: { C: 'set', D: 'set' },
    app: { D: 'app' },
  });
  assert.deepEqual(env, [
    { name: 'PATH', value: '/image' },
    { name: 'A', value: 'image' },
    { name: 'HOME', value: '/root' },
    { name: 'B', value: 'file' },
    { name: 'C', value: 'set' },
    { name: 'D', value: 'app' },
  ]);
});

test('the host environment is only inherited with --inherit-env', () => {
  const input = (inheritEnv: boolean) =>
    buildPodManifest({ apps: [appInput()], pod: { ...defaultPodOptions(), inheritEnv }, hostEnv: { HOST_ONLY: '1' } });
  const names = (inheritEnv: boolean) => input(inheritEnv).manifest.apps[0]?.app?.environment?.map((e) => e.name);
  assert.deepEqual(names(false), ['PATH', 'NGINX_VERSION']);
  assert.deepEqual(names(true), ['PATH', 'NGINX_VERSION', 'HOST_ONLY']);
});

test('app names default to the sanitized last component of the image name and must be unique', () => {
  assert.equal(defaultAppName('example.com/nginx'), 'nginx');
  assert.equal(defaultAppName('example.com/tools/My__App.v2'), 'my-app-v2');
  assert.equal(defaultAppName('quay.io/coreos/etcd:v3.5'), 'etcd');
  assert.throws(() => defaultAppName('example.com/___'), invalid(/cannot make an app name .* give --name/));
  assert.throws(() => build([appInput(), appInput()]), invalid(/two apps are named nginx: give one of them --name=OTHER/));
  const named = build([appInput(), appInput({ opts: parseAppOptions(['--name=nginx-2']) })]);
  assert.deepEqual(named.manifest.apps.map((a) => a.name), ['nginx', 'nginx-2']);
});

test('a mount of an unknown volume is refused, listing the defined ones', () => {
  const opts = parseAppOptions(['--mount=volume=nope,target=/x']);
  assert.throws(() => build([appInput({ opts })]), invalid(/mounts volume nope, which is not defined \(no volumes are defined\)/));
  assert.throws(
    () => build([appInput({ opts })], { volumes: [{ name: 'data', kind: 'empty', mode: '0755', uid: 0, gid: 0 }] }),
    invalid(/defined volumes: data/),
  );
});

test('an image mount point backed by a same-named pod volume needs no mount and gives no warning', () => {
  const out = build([appInput()], { volumes: [{ name: 'html', kind: 'host', source: '/srv' }] });
  assert.deepEqual(out.warnings, []);
  assert.equal(out.manifest.apps[0]?.mounts, undefined);
});

test('ports must name a port some app exposes', () => {
  assert.throws(
    () => build([appInput()], { ports: [{ name: 'redis', hostPort: 6379 }] }),
    invalid(/no app exposes a port named redis \(known ports: http, https\)/),
  );
  assert.throws(
    () => build([appInput()], { ports: [{ name: 'http', hostPort: 80 }, { name: 'https', hostPort: 80 }] }),
    invalid(/ports http and https both forward host tcp port 80/),
  );
  const ok = build([appInput()], { ports: [{ name: 'http', hostPort: 80, hostIP: '127.0.0.1' }, { name: 'https', hostPort: 80, hostIP: '127.0.0.2' }] });
  assert.deepEqual(ok.manifest.ports, [
    { name: 'http', hostPort: 80, hostIP: '127.0.0.1' },
    { name: 'https', hostPort: 80, hostIP: '127.0.0.2' },
  ]);
  const redis = loadImage('redis');
  const two = [appInput(), { imageId: redis.id, imageManifest: { ...redis.manifest, app: { ...redis.manifest.app!, ports: [{ name: 'http', protocol: 'tcp', port: 1 }] } }, opts: emptyAppOptions() }];
  assert.throws(() => build(two, { ports: [{ name: 'http', hostPort: 80 }] }), invalid(/port http is exposed by several apps \(nginx, redis\)/));
});

test('--interactive takes exactly one app', () => {
  assert.throws(
    () => build([appInput(), appInput({ opts: parseAppOptions(['--name=b']) })], { interactive: true }),
    (err: unknown) => err instanceof SkiffError && err.code === 'USAGE' && /--interactive runs a single app/.test(err.message),
  );
  assert.equal(build([appInput()], { interactive: true }).manifest.apps.length, 1);
});

test('no apps is an error', () => {
  assert.throws(() => build([]), invalid(/at least one app/));
});
