import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { validatePodManifestSemantics } from '../../../../stage0/pod/validate-pod-manifest.ts';
import { SkiffError } from '../../../../common/errors.ts';
import type { ImageManifest, PodManifest } from '../../../../common/appc-types.ts';
import { loadImage, podFixturesDir } from './pod-fixtures.ts';

const nginx = loadImage('nginx');
const redis = loadImage('redis');
const known = new Set([nginx.id, redis.id]);
const images = new Map<string, ImageManifest>([[nginx.id, nginx.manifest], [redis.id, redis.manifest]]);

function manifest(): PodManifest {
  return JSON.parse(fs.readFileSync(path.join(podFixturesDir, 'pod-manifests', 'two-apps.json'), 'utf8')) as PodManifest;
}

const invalid = (re: RegExp) => (err: unknown) =>
  err instanceof SkiffError && err.code === 'POD_MANIFEST_INVALID' && /^pod manifest: /.test(err.message) && re.test(err.message);

function mutated(change: (m: PodManifest) => void): PodManifest {
  const m = manifest();
  change(m);
  return m;
}

test('a valid manifest passes; an app without an app section takes the image one', () => {
  // The redis app has no app section: its exec, port and /data mount point come from the image.
  assert.deepEqual(validatePodManifestSemantics(manifest(), known, images), [
    'app cache: mount point data (/data) has no volume; stage1 will create an empty one that is deleted with the pod ' +
      '(give --volume=data,kind=host,source=/path to keep the data)',
  ]);
});

test('without the image manifests, an app without an app section has no exec', () => {
  assert.throws(() => validatePodManifestSemantics(manifest(), known), invalid(/app cache has no exec: set app.exec/));
});

test('images must be in the store', () => {
  assert.throws(() => validatePodManifestSemantics(manifest(), new Set([nginx.id]), images), invalid(/app cache uses image sha256:.*not in the store: skiff fetch it first/));
  const m = mutated((pm) => {
    (pm.apps[0]!.image as { id?: string }).id = '';
  });
  assert.throws(() => validatePodManifestSemantics(m, known, images), invalid(/app web has no image id/));
});

test('app names are valid and unique', () => {
  assert.throws(() => validatePodManifestSemantics(mutated((pm) => { pm.apps[1]!.name = 'web'; }), known, images), invalid(/two apps are named web/));
  assert.throws(() => validatePodManifestSemantics(mutated((pm) => { pm.apps[0]!.name = 'Web'; }), known, images), invalid(/app name "Web" is invalid/));
  assert.throws(() => validatePodManifestSemantics(mutated((pm) => { pm.apps = []; }), known, images), invalid(/lists no apps/));
});

test('exec must be non-empty', () => {
  assert.throws(() => validatePodManifestSemantics(mutated((pm) => { pm.apps[0]!.app!.exec = []; }), known, images), invalid(/app web has no exec/));
});

test('volumes: defined once, host sources absolute, known kinds', () => {
  const host = (source: string) => mutated((pm) => { pm.volumes = [{ name: 'html', kind: 'host', source }]; });
  assert.throws(() => validatePodManifestSemantics(host('srv/www'), known, images), invalid(/host volume html needs an absolute source path/));
  const dup = mutated((pm) => { pm.volumes = [...pm.volumes!, ...pm.volumes!]; });
  assert.throws(() => validatePodManifestSemantics(dup, known, images), invalid(/volume html is defined twice/));
  const nfs = mutated((pm) => { (pm.volumes![0] as { kind: string }).kind = 'nfs'; });
  assert.throws(() => validatePodManifestSemantics(nfs, known, images), invalid(/kind "nfs": use host or empty/));
  const emptyWithSource = mutated((pm) => { pm.volumes = [{ name: 'html', kind: 'empty', source: '/x' }]; });
  assert.throws(() => validatePodManifestSemantics(emptyWithSource, known, images), invalid(/empty volume html cannot have a source/));
});

test('mounts must reference defined volumes at absolute paths', () => {
  const noVolumes = mutated((pm) => { pm.volumes = []; });
  assert.throws(() => validatePodManifestSemantics(noVolumes, known, images), invalid(/app web mounts volume html, which is not defined/));
  const relative = mutated((pm) => { pm.apps[0]!.mounts = [{ volume: 'html', path: 'www' }]; });
  assert.throws(() => validatePodManifestSemantics(relative, known, images), invalid(/use an absolute path/));
  const own = mutated((pm) => {
    pm.volumes = [];
    pm.apps[0]!.mounts = [{ volume: 'inline', path: '/x', appVolume: { name: 'inline', kind: 'empty' } }];
  });
  assert.doesNotThrow(() => validatePodManifestSemantics(own, known, images));
});

test('ports: 1..65535, unique names, exposed by an app', () => {
  const port = (p: PodManifest['ports']) => mutated((pm) => { pm.ports = p; });
  assert.throws(() => validatePodManifestSemantics(port([{ name: 'http', hostPort: 0 }]), known, images), invalid(/host port 0 is not from 1 to 65535/));
  assert.throws(() => validatePodManifestSemantics(port([{ name: 'http', hostPort: 70000 }]), known, images), invalid(/not from 1 to 65535/));
  assert.throws(
    () => validatePodManifestSemantics(port([{ name: 'http', hostPort: 80 }, { name: 'http', hostPort: 81 }]), known, images),
    invalid(/port http is forwarded twice/),
  );
  assert.throws(
    () => validatePodManifestSemantics(port([{ name: 'gopher', hostPort: 70 }]), known, images),
    invalid(/no app exposes a port named gopher \(known ports: http, redis\)/),
  );
  const direct = port([{ name: 'raw', hostPort: 9000, podPort: { name: 'raw', protocol: 'udp', port: 9000 } }]);
  assert.doesNotThrow(() => validatePodManifestSemantics(direct, known, images));
});
