import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  parseJsonDocument,
  validateDockerArchiveManifest,
  validateImageManifest,
  validateOciConfig,
  validateOciIndex,
  validateOciManifest,
  validatePodManifest,
} from '../../../../common/schemas/validate.ts';

const FIXTURES = path.join(import.meta.dirname, '..', '..', '..', 'fixtures', 'manifests');
const fixture = (p: string): Record<string, unknown> => JSON.parse(fs.readFileSync(path.join(FIXTURES, p), 'utf8')) as Record<string, unknown>;
const clone = <T>(v: T): T => structuredClone(v);

/** The fixture image manifest with `edit` applied. */
function imageManifest(edit: (m: Record<string, any>) => void = () => {}): unknown {
  const m = clone(fixture('appc/image-manifest.json'));
  edit(m);
  return m;
}

function podManifest(edit: (m: Record<string, any>) => void = () => {}): unknown {
  const m = clone(fixture('appc/pod-manifest.json'));
  edit(m);
  return m;
}

describe('validateImageManifest', () => {
  test('accepts the fixtures and returns them typed', () => {
    const m = validateImageManifest(fixture('appc/image-manifest.json'), 'x.aci');
    assert.equal(m.name, 'example.com/reduce-worker');
    assert.equal(m.app?.exec?.[0], '/usr/bin/reduce-worker');
    assert.doesNotThrow(() => validateImageManifest(fixture('appc/image-manifest-minimal.json'), 'min.aci'));
  });

  test('accepts unknown members, as appc readers ignore them', () => {
    assert.doesNotThrow(() => validateImageManifest(imageManifest((m) => (m.somethingNew = { x: 1 })), 'x.aci'));
  });

  const invalid: [string, (m: Record<string, any>) => void, string][] = [
    ['exec is not an array', (m) => (m.app.exec = '/bin/sh'), '/app/exec must be array, not a string ("/bin/sh")'],
    ['exec[0] is relative', (m) => (m.app.exec = ['sh', '-c']), '/app/exec/0 must be an absolute path, not "sh"'],
    ['exec is empty', (m) => (m.app.exec = []), '/app/exec must NOT have fewer than 1 items'],
    ['exec has a non-string', (m) => (m.app.exec = ['/bin/sh', 3]), '/app/exec/1 must be string, not a number (3)'],
    ['acKind is wrong', (m) => (m.acKind = 'PodManifest'), '/acKind must be "ImageManifest", not "PodManifest"'],
    ['acVersion is missing', (m) => delete m.acVersion, '/acVersion is required'],
    ['acVersion is not semver', (m) => (m.acVersion = '0.8'), '/acVersion must be a semantic version such as 0.8.11, not "0.8"'],
    [
      'name has capitals',
      (m) => (m.name = 'Example.com/App'),
      '/name must be an AC identifier: lowercase letters, digits and -._~/, starting and ending with a letter or digit, not "Example.com/App"',
    ],
    ['name is too long', (m) => (m.name = 'a'.repeat(513)), '/name must NOT have more than 512 characters'],
    ['user is missing', (m) => delete m.app.user, '/app/user is required'],
    ['group is empty', (m) => (m.app.group = ''), '/app/group must NOT have fewer than 1 characters'],
    ['workingDirectory is relative', (m) => (m.app.workingDirectory = 'work'), '/app/workingDirectory must be an absolute path, not "work"'],
    ['a port is out of range', (m) => (m.app.ports[0].port = 70000), '/app/ports/0/port must be <= 65535'],
    ['a port name is not an AC name', (m) => (m.app.ports[0].name = 'Health_Port'), '/app/ports/0/name must be an AC name: lowercase letters and digits, separated by single - . or /, not "Health_Port"'],
    ['an isolator has no value', (m) => delete m.app.isolators[0].value, '/app/isolators/0/value is required'],
    ['an env name has =', (m) => (m.app.environment[0].name = 'A=B'), '/app/environment/0/name must be a variable name without "=", not "A=B"'],
    ['a label value is a number', (m) => (m.labels[0].value = 1), '/labels/0/value must be string, not a number (1)'],
    ['an event handler is unknown', (m) => (m.app.eventHandlers[0].name = 'post-start'), '/app/eventHandlers/0/name must be one of "pre-start", "post-stop", not "post-start"'],
  ];
  for (const [what, edit, detail] of invalid) {
    test(`refuses a manifest whose ${what}`, () => {
      assert.throws(() => validateImageManifest(imageManifest(edit), 'x.aci'), {
        name: 'SkiffError',
        code: 'MANIFEST_INVALID',
        message: `image manifest in x.aci is invalid: ${detail}`,
      });
    });
  }

  test('refuses a document that is not an object', () => {
    assert.throws(() => validateImageManifest([], 'x.aci'), { message: 'image manifest in x.aci is invalid: / must be object, not an array' });
    assert.throws(() => validateImageManifest(null, 'x.aci'), { message: 'image manifest in x.aci is invalid: / must be object, not null' });
  });

  const semantic: [string, (m: Record<string, any>) => void, string][] = [
    [
      'has no os label',
      (m) => (m.labels = m.labels.filter((l: { name: string }) => l.name !== 'os')),
      'image manifest of example.com/reduce-worker has no os label: rebuild the image with the labels os=linux and arch=amd64',
    ],
    [
      'has no labels at all',
      (m) => delete m.labels,
      'image manifest of example.com/reduce-worker has no os label: rebuild the image with the labels os=linux and arch=amd64',
    ],
    [
      'has no arch label',
      (m) => (m.labels = m.labels.filter((l: { name: string }) => l.name !== 'arch')),
      'image manifest of example.com/reduce-worker has no arch label: rebuild the image with the labels os=linux and arch=amd64',
    ],
    [
      'is for another os',
      (m) => (m.labels.find((l: { name: string }) => l.name === 'os').value = 'freebsd'),
      'image example.com/reduce-worker is built for os "freebsd", but skiff runs linux images only: use the image\'s linux variant',
    ],
    [
      'is for another arch',
      (m) => (m.labels.find((l: { name: string }) => l.name === 'arch').value = 'aarch64'),
      'image example.com/reduce-worker is built for linux/aarch64, but this host runs linux/amd64: fetch the linux/amd64 variant of the image',
    ],
    [
      'spells amd64 the uname way',
      (m) => (m.labels.find((l: { name: string }) => l.name === 'arch').value = 'x86_64'),
      'image manifest of example.com/reduce-worker has arch label "x86_64", which is not an appc arch name: appc calls it amd64; fix the label and rebuild the image',
    ],
    [
      'names an arch appc does not know',
      (m) => (m.labels.find((l: { name: string }) => l.name === 'arch').value = 'mips'),
      'image manifest of example.com/reduce-worker has arch label "mips", which is not an appc arch name: use one of amd64, i386, aarch64, aarch64_be, armv6l, armv7l, armv7b, ppc64, ppc64le, s390x',
    ],
    [
      'has two labels of one name',
      (m) => m.labels.push({ name: 'version', value: '2' }),
      'image manifest of example.com/reduce-worker has two labels named "version": keep one and rebuild the image',
    ],
    [
      'has a label called name',
      (m) => m.labels.push({ name: 'name', value: 'x' }),
      'image manifest of example.com/reduce-worker has a label called "name", which appc reserves: put the name in the name field',
    ],
    [
      'has two annotations of one name',
      (m) => m.annotations.push({ name: 'created', value: 'x' }),
      'image manifest of example.com/reduce-worker has two annotations named "created": keep one and rebuild the image',
    ],
    [
      'has two ports of one name',
      (m) => m.app.ports.push({ name: 'health', port: 1, protocol: 'tcp' }),
      'image manifest of example.com/reduce-worker has two ports named "health": rename one',
    ],
  ];
  for (const [what, edit, message] of semantic) {
    test(`refuses an image that ${what}`, () => {
      assert.throws(() => validateImageManifest(imageManifest(edit), 'x.aci'), { code: 'MANIFEST_INVALID', message });
    });
  }

  test('takes the host arch as an option', () => {
    const arm = imageManifest((m) => (m.labels.find((l: { name: string }) => l.name === 'arch').value = 'aarch64'));
    assert.doesNotThrow(() => validateImageManifest(arm, 'x.aci', { arch: 'aarch64' }));
  });
});

describe('validatePodManifest', () => {
  test('accepts the fixture', () => {
    const m = validatePodManifest(fixture('appc/pod-manifest.json'), '/var/lib/skiff/pods/run/x/pod');
    assert.equal(m.apps.length, 2);
  });

  const invalid: [string, (m: Record<string, any>) => void, string][] = [
    ['a host volume has no source', (m) => delete m.volumes[0].source, '/volumes/0/source is required'],
    ['a host volume source is relative', (m) => (m.volumes[0].source = 'work'), '/volumes/0/source must be an absolute path, not "work"'],
    ['a volume kind is unknown', (m) => (m.volumes[1].kind = 'tmpfs'), '/volumes/1/kind must be one of "host", "empty", not "tmpfs"'],
    ['a volume mode is not octal', (m) => (m.volumes[1].mode = '999'), '/volumes/1/mode must be an octal file mode such as 0755, not "999"'],
    ['an app name is not an AC name', (m) => (m.apps[0].name = 'Reduce'), '/apps/0/name must be an AC name: lowercase letters and digits, separated by single - . or /, not "Reduce"'],
    ['an image id is truncated', (m) => (m.apps[1].image.id = 'sha256:bbbb'), '/apps/1/image/id must be a full image ID (sha512-<128 hex> or sha256:<64 hex>), not "sha256:bbbb"'],
    ['apps is missing', (m) => delete m.apps, '/apps is required'],
    ['a host port is negative', (m) => (m.ports[0].hostPort = -1), '/ports/0/hostPort must be >= 0'],
    ['two apps share a name', (m) => (m.apps[1].name = 'reduce-worker'), 'two apps are named "reduce-worker": give each app its own --name'],
    ['two volumes share a name', (m) => (m.volumes[1].name = 'work'), 'two volumes are named "work": give each volume its own name'],
    ['a port is forwarded twice', (m) => (m.ports[1].name = 'health'), 'port "health" is forwarded twice: keep one --port=health:…'],
    [
      'a mount names no volume',
      (m) => (m.apps[0].mounts[0].volume = 'data'),
      'app reduce-worker mounts volume "data", which the pod does not define: add --volume=data,kind=…',
    ],
    [
      'two mounts share a path',
      (m) => (m.apps[0].mounts[1].path = '/var/lib/work'),
      'app reduce-worker mounts two volumes at /var/lib/work: keep one --mount for it',
    ],
  ];
  for (const [what, edit, detail] of invalid) {
    test(`refuses a pod manifest where ${what}`, () => {
      assert.throws(() => validatePodManifest(podManifest(edit), 'pod.json'), {
        code: 'POD_MANIFEST_INVALID',
        message: `pod manifest in pod.json is invalid: ${detail}`,
      });
    });
  }
});

describe('OCI and docker documents', () => {
  test('accept the fixtures', () => {
    for (const f of ['oci/index-multi-tag.json', 'oci/index-docker25.json', 'oci/manifest-list.json', 'oci/index-buildkit-attestations.json']) {
      assert.doesNotThrow(() => validateOciIndex(fixture(f), f), f);
    }
    assert.equal(validateOciManifest(fixture('oci/manifest.json'), 'm').layers.length, 2);
    assert.equal(validateOciConfig(fixture('oci/docker-config.json'), 'c').config?.Entrypoint, null);
    const archive = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'docker-archive/manifest.json'), 'utf8')) as unknown;
    assert.equal(validateDockerArchiveManifest(archive, 'a.tar').length, 3);
  });

  test('name the pointer and the rule broken', () => {
    const index = clone(fixture('oci/index-multi-tag.json')) as { manifests: Record<string, unknown>[] };
    index.manifests[1]!.digest = 'sha256';
    assert.throws(() => validateOciIndex(index, 'dir'), {
      code: 'MANIFEST_INVALID',
      message: 'OCI image index in dir is invalid: /manifests/1/digest must be a digest such as sha256:<hex>, not "sha256"',
    });
    const manifest = clone(fixture('oci/manifest.json'));
    manifest.schemaVersion = 1;
    assert.throws(() => validateOciManifest(manifest, 'blob sha256:1'), {
      message: 'OCI image manifest in blob sha256:1 is invalid: /schemaVersion must be 2, not 1',
    });
    const config = clone(fixture('oci/docker-config.json')) as { config: Record<string, unknown> };
    config.config.Env = 'PATH=/bin';
    assert.throws(() => validateOciConfig(config, 'c.json'), {
      message: 'OCI image config in c.json is invalid: /config/Env must be array or null, not a string ("PATH=/bin")',
    });
    assert.throws(() => validateDockerArchiveManifest({}, 'a.tar'), { message: 'manifest.json in a.tar is invalid: / must be array, not an object' });
    assert.throws(() => validateDockerArchiveManifest([{ Config: 'c.json' }], 'a.tar'), {
      message: 'manifest.json in a.tar is invalid: /0/Layers is required',
    });
  });
});

describe('parseJsonDocument', () => {
  test('parses bytes and strings', () => {
    assert.deepEqual(parseJsonDocument(Buffer.from('{"a":[1]}'), 'x', 100), { a: [1] });
    assert.deepEqual(parseJsonDocument('[true]', 'x', 100), [true]);
  });

  test('names the document when it is not JSON', () => {
    assert.throws(() => parseJsonDocument(Buffer.from('{"a":'), 'the manifest of x.aci', 100), (err: Error & { code?: string; hint?: string }) => {
      assert.equal(err.code, 'MANIFEST_INVALID');
      assert.match(err.message, /^the manifest of x\.aci is not valid JSON: unexpected end of JSON input/);
      assert.match(err.hint ?? '', /damaged or is not what it claims to be/);
      return true;
    });
    assert.throws(() => parseJsonDocument('', 'index.json in d', 100), { message: /^index\.json in d is not valid JSON: / });
  });

  test('refuses bytes that are not UTF-8', () => {
    assert.throws(() => parseJsonDocument(Buffer.from([0x7b, 0xff, 0x7d]), 'config', 100), {
      code: 'MANIFEST_INVALID',
      message: 'config is not valid JSON: it is not UTF-8 text',
    });
  });

  test('refuses a document over the limit before parsing it', () => {
    assert.throws(() => parseJsonDocument(Buffer.alloc(101, 0x20), 'the manifest of x.aci', 100), {
      code: 'MANIFEST_INVALID',
      message: 'the manifest of x.aci is 101 bytes, more than the 100-byte limit for a JSON document',
    });
    // The limit counts bytes, not UTF-16 code units.
    assert.throws(() => parseJsonDocument(`"${'é'.repeat(40)}"`, 's', 80), { message: 's is 82 bytes, more than the 80-byte limit for a JSON document' });
  });
});
