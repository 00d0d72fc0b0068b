import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  describePlatform,
  parseOciIndex,
  parseOciLayoutFile,
  selectFromLayoutIndex,
  selectPlatform,
} from '../../../../store/formats/oci-layout.ts';
import { isIndexMediaType, isManifestMediaType, MEDIA_TYPES } from '../../../../store/formats/oci-types.ts';
import type { OciDescriptor, OciIndex } from '../../../../store/formats/oci-types.ts';

const FIXTURES = path.join(import.meta.dirname, '..', '..', '..', 'fixtures', 'manifests', 'oci');
const readIndex = (name: string): OciIndex => parseOciIndex(fs.readFileSync(path.join(FIXTURES, name)), name, 1 << 20);
const hex = (c: string) => c.repeat(64);
const AMD64 = { os: 'linux', architecture: 'amd64' };

function desc(digestChar: string, extra: Partial<OciDescriptor> = {}): OciDescriptor {
  return { mediaType: MEDIA_TYPES.ociManifest, digest: `sha256:${hex(digestChar)}`, size: 1, ...extra };
}

describe('parseOciLayoutFile', () => {
  test('accepts version 1.x', () => {
    assert.deepEqual(parseOciLayoutFile(fs.readFileSync(path.join(FIXTURES, 'oci-layout')), 'img'), { imageLayoutVersion: '1.0.0' });
    assert.deepEqual(parseOciLayoutFile('{"imageLayoutVersion":"1.1.0"}', 'img'), { imageLayoutVersion: '1.1.0' });
  });

  test('refuses other versions, a missing version and non-JSON', () => {
    assert.throws(() => parseOciLayoutFile('{"imageLayoutVersion":"2.0.0"}', 'img'), {
      code: 'IMAGE_FORMAT',
      message: 'img is an OCI image layout version 2.0.0, and skiff reads version 1.x only',
    });
    assert.throws(() => parseOciLayoutFile('{}', 'img'), {
      code: 'IMAGE_FORMAT',
      message: 'oci-layout in img has no imageLayoutVersion, so it is not an OCI image layout',
    });
    assert.throws(() => parseOciLayoutFile('null', 'img'), { code: 'IMAGE_FORMAT' });
    assert.throws(() => parseOciLayoutFile('imageLayoutVersion: 1', 'img'), {
      code: 'MANIFEST_INVALID',
      message: /^oci-layout in img is not valid JSON: /,
    });
  });
});

describe('parseOciIndex', () => {
  test('validates index.json', () => {
    assert.equal(readIndex('index-multi-tag.json').manifests.length, 3);
    assert.throws(() => parseOciIndex('{"schemaVersion":2}', 'img', 100), {
      code: 'MANIFEST_INVALID',
      message: 'OCI image index in img is invalid: /manifests is required',
    });
    assert.throws(() => parseOciIndex('{"schemaVersion":2,"manifests":[]}', 'img', 10), {
      message: 'index.json in img is 34 bytes, more than the 10-byte limit for a JSON document',
    });
  });
});

describe('selectFromLayoutIndex', () => {
  const multi = readIndex('index-multi-tag.json');

  test('selects by org.opencontainers.image.ref.name', () => {
    assert.equal(selectFromLayoutIndex(multi, '1.36', 'img').digest, `sha256:${hex('1')}`);
    assert.equal(selectFromLayoutIndex(multi, 'latest', 'img').digest, `sha256:${hex('2')}`);
  });

  test('selects by the full name containerd and docker record', () => {
    assert.equal(selectFromLayoutIndex(multi, 'busybox:multi', 'img').digest, `sha256:${hex('3')}`);
    assert.equal(selectFromLayoutIndex(multi, 'docker.io/library/busybox:multi', 'img').digest, `sha256:${hex('3')}`);
    const docker25 = readIndex('index-docker25.json');
    assert.equal(selectFromLayoutIndex(docker25, 'busybox', 'img').digest, `sha256:${hex('4')}`);
  });

  test('takes the only image when no tag is given', () => {
    const docker25 = readIndex('index-docker25.json');
    assert.equal(selectFromLayoutIndex(docker25, undefined, 'img').mediaType, MEDIA_TYPES.ociIndex);
  });

  test('lists the tags when the choice is ambiguous', () => {
    assert.throws(() => selectFromLayoutIndex(multi, undefined, 'img'), (err: Error & { code?: string; hint?: string }) => {
      assert.equal(err.code, 'IMAGE_AMBIGUOUS');
      assert.equal(err.message, 'OCI layout img holds 3 images: it has "1.36", "latest", "multi"');
      assert.equal(err.hint, 'name one as oci:img:TAG');
      return true;
    });
  });

  test('lists the tags when the tag is missing', () => {
    assert.throws(() => selectFromLayoutIndex(multi, '2.0', 'img'), {
      code: 'IMAGE_NOT_FOUND',
      message: 'OCI layout img has no image tagged "2.0": it has "1.36", "latest", "multi"',
    });
    const untagged: OciIndex = { schemaVersion: 2, manifests: [desc('1')] };
    assert.throws(() => selectFromLayoutIndex(untagged, 'x', 'img'), {
      message: 'OCI layout img has no image tagged "x": its images carry no tags (org.opencontainers.image.ref.name)',
    });
  });

  test('a bare tag does not match a full reference with that tag', () => {
    const index: OciIndex = { schemaVersion: 2, manifests: [desc('1', { annotations: { 'io.containerd.image.name': 'docker.io/x/y:1.0' } })] };
    assert.throws(() => selectFromLayoutIndex(index, '1.0', 'img'), { code: 'IMAGE_NOT_FOUND' });
  });

  test('one digest under several tags is one image', () => {
    const index: OciIndex = {
      schemaVersion: 2,
      manifests: [desc('1', { annotations: { 'org.opencontainers.image.ref.name': 'a' } }), desc('1', { annotations: { 'org.opencontainers.image.ref.name': 'b' } })],
    };
    assert.equal(selectFromLayoutIndex(index, undefined, 'img').digest, `sha256:${hex('1')}`);
  });

  test('an index listing one manifest per platform picks linux/amd64', () => {
    assert.equal(selectFromLayoutIndex(readIndex('manifest-list.json'), undefined, 'img').digest, `sha256:${hex('c')}`);
  });

  test('skips entries that are not images', () => {
    const index: OciIndex = { schemaVersion: 2, manifests: [desc('1', { mediaType: 'application/vnd.example.sbom+json' })] };
    assert.throws(() => selectFromLayoutIndex(index, undefined, 'img'), { code: 'IMAGE_NOT_FOUND', message: 'OCI layout img holds no images' });
  });
});

describe('selectPlatform', () => {
  test('picks linux/amd64 from a docker manifest list', () => {
    assert.equal(selectPlatform(readIndex('manifest-list.json'), AMD64).digest, `sha256:${hex('c')}`);
  });

  test('matches arm variants, and arm64 without its v8', () => {
    const list = readIndex('manifest-list.json');
    assert.equal(selectPlatform(list, { os: 'linux', architecture: 'arm', variant: 'v7' }).digest, `sha256:${hex('a')}`);
    assert.equal(selectPlatform(list, { os: 'linux', architecture: 'aarch64' }).digest, `sha256:${hex('b')}`);
    const noVariant: OciIndex = { schemaVersion: 2, manifests: [desc('9', { platform: { os: 'linux', architecture: 'arm64' } })] };
    assert.equal(selectPlatform(noVariant, { os: 'linux', architecture: 'arm64', variant: 'v8' }).digest, `sha256:${hex('9')}`);
  });

  test('prefers plain amd64 over v3 and ignores attestations', () => {
    assert.equal(selectPlatform(readIndex('index-buildkit-attestations.json'), AMD64).digest, `sha256:${hex('f')}`);
    const onlyLevels = [desc('3', { platform: { ...AMD64, variant: 'v3' } }), desc('2', { platform: { ...AMD64, variant: 'v2' } })];
    assert.equal(selectPlatform(onlyLevels, AMD64).digest, `sha256:${hex('2')}`);
  });

  test('takes a sole entry without a platform', () => {
    assert.equal(selectPlatform([desc('5')], AMD64).digest, `sha256:${hex('5')}`);
  });

  test('lists the platforms on offer when none fits', () => {
    const armOnly: OciIndex = {
      schemaVersion: 2,
      manifests: [
        desc('a', { platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } }),
        desc('b', { platform: { os: 'linux', architecture: 'arm', variant: 'v7' } }),
        desc('c', { platform: { os: 'unknown', architecture: 'unknown' } }),
      ],
    };
    assert.throws(() => selectPlatform(armOnly, AMD64, 'docker.io/library/x'), (err: Error & { code?: string; hint?: string }) => {
      assert.equal(err.code, 'IMAGE_NOT_FOUND');
      assert.equal(err.message, 'docker.io/library/x has no linux/amd64 image: it offers linux/arm64/v8, linux/arm/v7');
      assert.equal(err.hint, 'use an image built for linux/amd64');
      return true;
    });
    assert.throws(() => selectPlatform([], AMD64), { message: 'the image index has no linux/amd64 image: it offers no platforms' });
  });
});

describe('media types', () => {
  test('tell indexes from manifests, OCI and docker alike', () => {
    assert.ok(isIndexMediaType(MEDIA_TYPES.ociIndex) && isIndexMediaType(MEDIA_TYPES.dockerManifestList));
    assert.ok(isManifestMediaType(MEDIA_TYPES.ociManifest) && isManifestMediaType(MEDIA_TYPES.dockerManifest));
    assert.ok(!isIndexMediaType(MEDIA_TYPES.ociManifest) && !isManifestMediaType(undefined));
    assert.equal(describePlatform({ os: 'linux', architecture: 'arm', variant: 'v6' }), 'linux/arm/v6');
  });
});
