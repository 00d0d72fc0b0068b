import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePlatform } from '../../../../../store/remote/registry/platform.ts';
import { selectPlatform } from '../../../../../store/formats/oci-layout.ts';
import type { OciIndex } from '../../../../../store/formats/oci-types.ts';

const entry = (os: string, architecture: string, variant?: string, n = 1) => ({
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  digest: `sha256:${String(n).repeat(64)}`,
  size: 100,
  platform: variant ? { os, architecture, variant } : { os, architecture },
});

describe('--platform', () => {
  test('parses os/arch[/variant], default linux/amd64', () => {
    assert.deepEqual(parsePlatform(undefined), { os: 'linux', architecture: 'amd64' });
    assert.deepEqual(parsePlatform('linux/arm64/v8'), { os: 'linux', architecture: 'arm64', variant: 'v8' });
    assert.throws(() => parsePlatform('linux'), { code: 'USAGE', message: '--platform "linux" is not os/arch[/variant]' });
    assert.throws(() => parsePlatform('linux/arm/v7/x'), { code: 'USAGE' });
  });

  test('picks from a manifest list, or lists what it offers', () => {
    const index: OciIndex = { schemaVersion: 2, manifests: [entry('linux', 'arm', 'v7', 1), entry('linux', 'amd64', undefined, 2), entry('linux', 'arm64', 'v8', 3)] };
    assert.equal(selectPlatform(index, parsePlatform(undefined)).digest, `sha256:${'2'.repeat(64)}`);
    assert.equal(selectPlatform(index, parsePlatform('linux/arm64')).digest, `sha256:${'3'.repeat(64)}`);
    assert.equal(selectPlatform(index, parsePlatform('linux/arm/v7')).digest, `sha256:${'1'.repeat(64)}`);
    assert.throws(() => selectPlatform(index, parsePlatform('linux/s390x'), 'r.example/app:1'), {
      code: 'IMAGE_NOT_FOUND',
      message: 'r.example/app:1 has no linux/s390x image: it offers linux/arm/v7, linux/amd64, linux/arm64/v8',
    });
  });
});
