import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  detectLocalImageFormat,
  normalizeDockerReference,
  parseLocalImageRef,
  sniffCompression,
} from '../../../../store/formats/image-ref.ts';
import type { LocalImageProbe } from '../../../../store/formats/image-ref.ts';

/** A 512-byte tar header block for `name`, ustar or v7, with a correct checksum. */
function tarHeader(name: string, ustar = true): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0);
  h.write('0000644\0', 100);
  h.write('00000000000\0', 124);
  h.write('0', 156);
  if (ustar) h.write('ustar\x0000', 257);
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

const gzip = Buffer.from([0x1f, 0x8b, 0x08, 0x00]);
const file = (extra: Partial<LocalImageProbe>): LocalImageProbe => ({ isDir: false, hasOciLayoutFile: false, hasIndexJson: false, magic: gzip, ...extra });
const dir = (extra: Partial<LocalImageProbe>): LocalImageProbe => ({ isDir: true, hasOciLayoutFile: false, hasIndexJson: false, magic: Buffer.alloc(0), ...extra });

describe('parseLocalImageRef', () => {
  test('oci:DIR[:TAG]', () => {
    assert.deepEqual(parseLocalImageRef('oci:/srv/img'), { transport: 'oci', path: '/srv/img' });
    assert.deepEqual(parseLocalImageRef('oci:./img:1.0'), { transport: 'oci', path: './img', tag: '1.0' });
    assert.deepEqual(parseLocalImageRef('oci:img:docker.io/library/busybox:latest'), {
      transport: 'oci',
      path: 'img',
      tag: 'docker.io/library/busybox:latest',
    });
  });

  test('oci-archive:FILE[:TAG]', () => {
    assert.deepEqual(parseLocalImageRef('oci-archive:img.tar:v2'), { transport: 'oci-archive', path: 'img.tar', tag: 'v2' });
  });

  test('docker-archive:FILE[:NAME:TAG]', () => {
    assert.deepEqual(parseLocalImageRef('docker-archive:/tmp/a.tar'), { transport: 'docker-archive', path: '/tmp/a.tar' });
    assert.deepEqual(parseLocalImageRef('docker-archive:/tmp/a.tar:busybox:1.36'), {
      transport: 'docker-archive',
      path: '/tmp/a.tar',
      reference: 'busybox:1.36',
    });
    assert.deepEqual(parseLocalImageRef('docker-archive:a.tar:localhost:5000/x:y'), {
      transport: 'docker-archive',
      path: 'a.tar',
      reference: 'localhost:5000/x:y',
    });
    assert.deepEqual(parseLocalImageRef('docker-archive:a.tar:@1'), { transport: 'docker-archive', path: 'a.tar', reference: '@1' });
  });

  test('leaves everything else to the caller', () => {
    for (const v of ['docker://busybox', 'busybox:latest', './x.aci', '/abs/x.aci', 'https://example.com/x.aci', 'example.com/app:1.0', 'ocifoo:x']) {
      assert.equal(parseLocalImageRef(v), undefined, v);
    }
  });

  test('explains malformed references', () => {
    assert.throws(() => parseLocalImageRef('oci:'), { code: 'USAGE', message: '"oci:" names no path: write oci:DIR[:TAG]' });
    assert.throws(() => parseLocalImageRef('docker-archive::x'), {
      code: 'USAGE',
      message: '"docker-archive::x" names no path: write docker-archive:FILE[:NAME:TAG]',
    });
    assert.throws(() => parseLocalImageRef('oci-archive:a.tar:'), {
      code: 'USAGE',
      message: '"oci-archive:a.tar:" ends with an empty tag: write oci-archive:FILE[:TAG], or leave out the last ":"',
    });
    assert.throws(() => parseLocalImageRef('docker-archive:a.tar:@x'), {
      code: 'USAGE',
      message: '"docker-archive:a.tar:@x": "@x" is not an image index: write @0, @1…',
    });
  });
});

describe('normalizeDockerReference', () => {
  const cases: [string, string][] = [
    ['busybox', 'docker.io/library/busybox:latest'],
    ['busybox:1.36', 'docker.io/library/busybox:1.36'],
    ['library/busybox', 'docker.io/library/busybox:latest'],
    ['docker.io/busybox', 'docker.io/library/busybox:latest'],
    ['index.docker.io/library/busybox:1', 'docker.io/library/busybox:1'],
    ['user/repo:tag', 'docker.io/user/repo:tag'],
    ['ghcr.io/org/app', 'ghcr.io/org/app:latest'],
    ['localhost/app:v1', 'localhost/app:v1'],
    ['localhost:5000/app', 'localhost:5000/app:latest'],
    [`busybox@sha256:${'a'.repeat(64)}`, `docker.io/library/busybox@sha256:${'a'.repeat(64)}`],
    [`busybox:1@sha256:${'a'.repeat(64)}`, `docker.io/library/busybox:1@sha256:${'a'.repeat(64)}`],
  ];
  for (const [input, want] of cases) test(input, () => assert.equal(normalizeDockerReference(input), want));
});

describe('sniffCompression', () => {
  test('recognizes compressors by magic', () => {
    assert.equal(sniffCompression(gzip), 'gzip');
    assert.equal(sniffCompression(Buffer.from('BZh91AY&SY')), 'bzip2');
    assert.equal(sniffCompression(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00])), 'xz');
    assert.equal(sniffCompression(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x24])), 'zstd');
  });

  test('recognizes plain tars, with or without the ustar magic', () => {
    assert.equal(sniffCompression(tarHeader('manifest')), 'none');
    assert.equal(sniffCompression(tarHeader('rootfs/', false)), 'none');
  });

  test('anything else is unknown', () => {
    assert.equal(sniffCompression(Buffer.alloc(0)), 'unknown');
    assert.equal(sniffCompression(Buffer.from([0x1f])), 'unknown');
    assert.equal(sniffCompression(Buffer.from('PK\x03\x04 a zip')), 'unknown');
    assert.equal(sniffCompression(Buffer.alloc(512)), 'unknown'); // end-of-archive block
    const corrupt = tarHeader('x', false);
    corrupt[0] = 0x79;
    assert.equal(sniffCompression(corrupt), 'unknown');
  });
});

describe('detectLocalImageFormat', () => {
  test('a directory with oci-layout and index.json is an OCI layout', () => {
    assert.equal(detectLocalImageFormat(dir({ hasOciLayoutFile: true, hasIndexJson: true }), '/srv/img'), 'oci-layout');
  });

  test('other directories are explained', () => {
    assert.throws(() => detectLocalImageFormat(dir({ hasOciLayoutFile: true }), '/srv/img'), {
      code: 'IMAGE_FORMAT',
      message: '/srv/img has an oci-layout file but no index.json, so the OCI layout is incomplete',
    });
    assert.throws(() => detectLocalImageFormat(dir({}), '/srv/rootfs'), {
      code: 'IMAGE_FORMAT',
      message: '/srv/rootfs is a directory but not an OCI image layout: it has no oci-layout file',
    });
  });

  test('tars are told apart by their member names', () => {
    assert.equal(detectLocalImageFormat(file({ tarMembers: ['manifest', 'rootfs/', 'rootfs/bin/sh'] }), 'a'), 'aci');
    assert.equal(detectLocalImageFormat(file({ tarMembers: ['./rootfs/etc/'] }), 'a'), 'aci');
    assert.equal(detectLocalImageFormat(file({ tarMembers: ['blobs/', 'blobs/sha256/', 'oci-layout', 'index.json'] }), 'a'), 'oci-archive');
    assert.equal(detectLocalImageFormat(file({ tarMembers: [`${'a'.repeat(64)}/`, `${'a'.repeat(64)}/layer.tar`] }), 'a'), 'docker-archive');
    assert.equal(detectLocalImageFormat(file({ tarMembers: [`${'b'.repeat(64)}.json`] }), 'a'), 'docker-archive');
    assert.equal(detectLocalImageFormat(file({ tarMembers: ['repositories', 'manifest.json'] }), 'a'), 'docker-archive');
    // docker ≥ 25 writes both; OCI gives the registry's manifest digest.
    assert.equal(detectLocalImageFormat(file({ tarMembers: ['blobs/sha256/x', 'index.json', 'manifest.json', 'oci-layout'] }), 'a'), 'oci-archive');
  });

  test('a file whose members were not listed is an ACI, as in rkt', () => {
    assert.equal(detectLocalImageFormat(file({}), 'x.aci'), 'aci');
    assert.equal(detectLocalImageFormat(file({ magic: tarHeader('manifest') }), 'x.aci'), 'aci');
  });

  test('explains what is not an image', () => {
    assert.throws(() => detectLocalImageFormat(file({ magic: Buffer.from('hello') }), 'notes.txt'), {
      code: 'IMAGE_FORMAT',
      message: 'notes.txt is not an image: it is neither a tar nor a gzip, bzip2, xz or zstd compressed tar',
    });
    assert.throws(() => detectLocalImageFormat(file({ tarMembers: ['etc/', 'etc/passwd'] }), 'root.tar'), {
      code: 'IMAGE_FORMAT',
      message: 'root.tar is a tar, but not an image: an ACI has manifest and rootfs/, an OCI archive oci-layout, a docker archive manifest.json',
    });
  });
});
