// Golden tests: each test/fixtures/manifests/oci-to-appc/<case>/input.json (an OCI config plus
// the reference it came from) must convert to <case>/expected.json. After a deliberate change,
// regenerate with SKIFF_UPDATE_GOLDEN=1 and review the diff.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { isSkiffError } from '../../../../common/errors.ts';
import { validateImageManifest, validateOciConfig } from '../../../../common/schemas/validate.ts';
import { OCI_ANNOTATIONS, ociConfigToImageManifest, parseExposedPort, parseOciUser } from '../../../../store/convert/oci-to-appc.ts';
import { appcArchOf, sanitizeAcIdentifier, sanitizeAcName, splitReference } from '../../../../store/convert/appc-names.ts';
import type { OciImageConfig } from '../../../../store/formats/oci-types.ts';

const FIXTURES = path.join(import.meta.dirname, '..', '..', '..', 'fixtures', 'manifests', 'oci-to-appc');
const DIGEST = `sha256:${'ab'.repeat(32)}`;

function loadCase(name: string) {
  const input = JSON.parse(fs.readFileSync(path.join(FIXTURES, name, 'input.json'), 'utf8')) as Record<string, unknown>;
  const config = validateOciConfig(input.config, `${name}/input.json`);
  return { ...(input as { name: string; manifestDigest: string }), config };
}

describe('ociConfigToImageManifest golden files', () => {
  for (const name of fs.readdirSync(FIXTURES).sort()) {
    test(name, () => {
      const got = ociConfigToImageManifest(loadCase(name));
      const expectedPath = path.join(FIXTURES, name, 'expected.json');
      if (process.env.SKIFF_UPDATE_GOLDEN === '1') fs.writeFileSync(expectedPath, `${JSON.stringify(got, null, 2)}\n`);
      assert.deepEqual(got, JSON.parse(fs.readFileSync(expectedPath, 'utf8')));
    });
  }

  test('every converted amd64 manifest with an absolute exec passes the image manifest schema', () => {
    for (const name of fs.readdirSync(FIXTURES)) {
      const m = ociConfigToImageManifest(loadCase(name));
      const arch = m.labels?.find((l) => l.name === 'arch')?.value;
      if (arch !== 'amd64' || (m.app?.exec && !m.app.exec[0]!.startsWith('/'))) continue;
      assert.doesNotThrow(() => validateImageManifest(m, name), name);
    }
  });

  test('a converted arm64 image is refused on this amd64 host with a clear message', () => {
    const m = ociConfigToImageManifest(loadCase('config-null-arm64'));
    assert.throws(() => validateImageManifest(m, 'alpine'), {
      code: 'MANIFEST_INVALID',
      message: 'image docker.io/library/alpine is built for linux/aarch64, but this host runs linux/amd64: fetch the linux/amd64 variant of the image',
    });
  });
});

function config(c: OciImageConfig['config'], extra: Partial<OciImageConfig> = {}): OciImageConfig {
  return { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, config: c, ...extra };
}

describe('ociConfigToImageManifest details', () => {
  test('exec is Entrypoint followed by Cmd, and absent when both are empty', () => {
    const exec = (c: OciImageConfig['config']) => ociConfigToImageManifest({ config: config(c), name: 'x', manifestDigest: DIGEST }).app?.exec;
    assert.deepEqual(exec({ Entrypoint: ['/e', '-a'], Cmd: ['c'] }), ['/e', '-a', 'c']);
    assert.deepEqual(exec({ Entrypoint: ['/e'] }), ['/e']);
    assert.deepEqual(exec({ Cmd: ['/c', 'x'] }), ['/c', 'x']);
    assert.equal(exec({ Entrypoint: [], Cmd: [] }), undefined);
    assert.equal(exec({ Entrypoint: null, Cmd: null }), undefined);
    assert.equal(exec(null), undefined);
  });

  test('the app is present without exec, so --exec can supply one', () => {
    const m = ociConfigToImageManifest({ config: config(null), name: 'x', manifestDigest: DIGEST });
    assert.deepEqual(m.app, { user: '0', group: '0', workingDirectory: '/' });
  });

  test('the version label is the tag argument, else the tag in the name, else latest', () => {
    const version = (name: string, tag?: string) =>
      ociConfigToImageManifest({ config: config({}), name, manifestDigest: DIGEST, ...(tag ? { tag } : {}) }).labels?.find(
        (l) => l.name === 'version',
      )?.value;
    assert.equal(version('busybox:1.36', '2'), '2');
    assert.equal(version('busybox:1.36'), '1.36');
    assert.equal(version('localhost:5000/busybox'), 'latest');
    assert.equal(version(`busybox@${DIGEST}`), 'latest');
  });

  test('the manifest digest annotation is always the real one', () => {
    const m = ociConfigToImageManifest({
      config: config({ Labels: { 'skiff.dev/oci-manifest-digest': 'forged' } }),
      name: 'x',
      manifestDigest: DIGEST,
      manifestAnnotations: { 'skiff.dev/oci-manifest-digest': 'forged too' },
    });
    assert.equal(m.annotations?.find((a) => a.name === OCI_ANNOTATIONS.manifestDigest)?.value, DIGEST);
  });

  test('a name with nothing appc can keep is refused', () => {
    assert.throws(() => ociConfigToImageManifest({ config: config({}), name: '???', manifestDigest: DIGEST }), (err) => {
      assert.ok(isSkiffError(err));
      assert.equal(err.code, 'IMAGE_FORMAT');
      assert.match(err.message, /^cannot make an appc image name from "\?\?\?"/);
      return true;
    });
  });
});

describe('parseOciUser', () => {
  const cases: [string, string, string, boolean][] = [
    ['', '0', '0', false],
    ['root', 'root', '0', false],
    ['0', '0', '0', false],
    ['1000', '1000', '1000', true],
    ['1000:50', '1000', '50', false],
    ['nginx', 'nginx', 'nginx', true],
    ['www-data:staff', 'www-data', 'staff', false],
    [':50', '0', '50', false],
    ['app:', 'app', 'app', true],
  ];
  for (const [input, user, group, groupImplied] of cases) {
    test(JSON.stringify(input), () => assert.deepEqual(parseOciUser(input), { user, group, groupImplied }));
  }
});

describe('parseExposedPort', () => {
  test('forms docker writes', () => {
    assert.deepEqual(parseExposedPort('80/tcp', 'x'), { name: '80-tcp', protocol: 'tcp', port: 80 });
    assert.deepEqual(parseExposedPort('53/UDP', 'x'), { name: '53-udp', protocol: 'udp', port: 53 });
    assert.deepEqual(parseExposedPort('8080', 'x'), { name: '8080-tcp', protocol: 'tcp', port: 8080 });
    assert.deepEqual(parseExposedPort('7000-7002/sctp', 'x'), { name: '7000-7002-sctp', protocol: 'sctp', port: 7000, count: 3 });
  });

  for (const bad of ['0/tcp', '70000/tcp', '90-80/tcp', 'http', '80/', '', '80/tcp/x']) {
    test(`refuses ${JSON.stringify(bad)}`, () => {
      assert.throws(() => parseExposedPort(bad, 'example.com/app'), {
        code: 'IMAGE_FORMAT',
        message: `image example.com/app exposes port ${JSON.stringify(bad)}, which is not PORT[-END][/PROTOCOL]`,
      });
    });
  }
});

describe('appc names', () => {
  test('sanitizeAcIdentifier follows appc: lowercase, _ for the rest, no separator edges', () => {
    assert.equal(sanitizeAcIdentifier('docker.io/library/busybox'), 'docker.io/library/busybox');
    assert.equal(sanitizeAcIdentifier('LocalHost:5000/My App'), 'localhost_5000/my_app');
    assert.equal(sanitizeAcIdentifier('--edge--'), 'edge');
    assert.equal(sanitizeAcIdentifier('~a~'), 'a');
    assert.equal(sanitizeAcIdentifier('!!!'), undefined);
    assert.equal(sanitizeAcIdentifier(''), undefined);
    assert.equal(sanitizeAcIdentifier('a'.repeat(600))?.length, 512);
  });

  test('sanitizeAcName gives runs of [a-z0-9] joined by single separators', () => {
    assert.equal(sanitizeAcName('volume-/var/lib/data'), 'volume-var-lib-data');
    assert.equal(sanitizeAcName('80/tcp'), '80-tcp');
    assert.equal(sanitizeAcName('volume-/srv/my_app data'), 'volume-srv-my-app-data');
    assert.equal(sanitizeAcName('a.-b..c'), 'a-b-c');
    assert.equal(sanitizeAcName('-.x.-'), 'x');
    assert.equal(sanitizeAcName('///'), undefined);
  });

  test('appcArchOf maps Go arches to appc names', () => {
    assert.equal(appcArchOf('amd64'), 'amd64');
    assert.equal(appcArchOf('arm64', 'v8'), 'aarch64');
    assert.equal(appcArchOf('386'), 'i386');
    assert.equal(appcArchOf('arm', 'v6'), 'armv6l');
    assert.equal(appcArchOf('arm', 'v7'), 'armv7l');
    assert.equal(appcArchOf('arm'), 'armv7l');
    assert.equal(appcArchOf('ppc64le'), 'ppc64le');
    assert.equal(appcArchOf('riscv64'), 'riscv64');
  });

  test('splitReference takes the tag after the last slash only', () => {
    assert.deepEqual(splitReference('busybox'), { repository: 'busybox' });
    assert.deepEqual(splitReference('busybox:1.36'), { repository: 'busybox', tag: '1.36' });
    assert.deepEqual(splitReference('localhost:5000/app'), { repository: 'localhost:5000/app' });
    assert.deepEqual(splitReference('localhost:5000/app:v1'), { repository: 'localhost:5000/app', tag: 'v1' });
    assert.deepEqual(splitReference(`app:v1@${DIGEST}`), { repository: 'app', tag: 'v1', digest: DIGEST });
    assert.deepEqual(splitReference(`app@${DIGEST}`), { repository: 'app', digest: DIGEST });
  });
});
