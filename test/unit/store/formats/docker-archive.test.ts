import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { isSafeMemberPath, parseDockerArchiveManifest, selectDockerArchiveImage } from '../../../../store/formats/docker-archive.ts';
import type { DockerArchiveManifest } from '../../../../store/formats/oci-types.ts';

const FIXTURE = path.join(import.meta.dirname, '..', '..', '..', 'fixtures', 'manifests', 'docker-archive', 'manifest.json');
const manifest = (): DockerArchiveManifest => parseDockerArchiveManifest(fs.readFileSync(FIXTURE), 'images.tar', 1 << 20);
const ALL = 'busybox:latest busybox:1.36, ghcr.io/example/app:v1, @2 (untagged)';

describe('parseDockerArchiveManifest', () => {
  test('parses docker save output', () => {
    const m = manifest();
    assert.equal(m.length, 3);
    assert.equal(m[2]!.RepoTags, null);
  });

  test('refuses an empty list', () => {
    assert.throws(() => parseDockerArchiveManifest('[]', 'a.tar', 100), {
      code: 'IMAGE_NOT_FOUND',
      message: 'docker archive a.tar holds no images: its manifest.json is an empty list',
    });
  });

  test('refuses member paths outside the archive', () => {
    for (const bad of ['../../etc/shadow', '/etc/shadow', 'a/../../b', 'a\\..\\b']) {
      const doc = JSON.stringify([{ Config: 'c.json', RepoTags: null, Layers: [bad] }]);
      assert.throws(() => parseDockerArchiveManifest(doc, 'a.tar', 1000), (err: Error & { code?: string; hint?: string }) => {
        assert.equal(err.code, 'ARCHIVE_UNSAFE');
        assert.equal(err.message, `manifest.json in a.tar names ${JSON.stringify(bad)}, which is not a path inside the archive`);
        assert.equal(err.hint, 'the archive is damaged or hostile: do not use it');
        return true;
      });
    }
  });

  test('refuses documents that do not match the schema', () => {
    assert.throws(() => parseDockerArchiveManifest('{"Config":"x"}', 'a.tar', 100), {
      code: 'MANIFEST_INVALID',
      message: 'manifest.json in a.tar is invalid: / must be array, not an object',
    });
    assert.throws(() => parseDockerArchiveManifest('[', 'a.tar', 100), { message: /^manifest\.json in a\.tar is not valid JSON: / });
  });
});

describe('isSafeMemberPath', () => {
  test('allows relative paths and refuses escapes', () => {
    assert.ok(isSafeMemberPath('blobs/sha256/abc'));
    assert.ok(isSafeMemberPath('abc/layer.tar'));
    assert.ok(isSafeMemberPath('a..b/c'));
    for (const bad of ['', '/x', '..', 'x/..', 'x/../y', 'a\0b', 'a\\b']) assert.ok(!isSafeMemberPath(bad), bad);
  });
});

describe('selectDockerArchiveImage', () => {
  test('matches names the way docker normalizes them', () => {
    const m = manifest();
    for (const ref of ['busybox', 'busybox:latest', 'docker.io/library/busybox:latest', 'library/busybox:1.36', 'index.docker.io/library/busybox']) {
      assert.equal(selectDockerArchiveImage(m, ref, 'images.tar').index, 0, ref);
    }
    assert.equal(selectDockerArchiveImage(m, 'ghcr.io/example/app:v1', 'images.tar').index, 1);
  });

  test('a stored full name matches a short one', () => {
    const m: DockerArchiveManifest = [{ Config: 'c.json', RepoTags: ['docker.io/library/alpine:3.20'], Layers: [] }];
    assert.equal(selectDockerArchiveImage(m, 'alpine:3.20', 'a.tar').index, 0);
  });

  test('selects by position with @N', () => {
    const m = manifest();
    assert.equal(selectDockerArchiveImage(m, '@2', 'images.tar').entry.Config, `${'f'.repeat(64)}.json`);
    assert.throws(() => selectDockerArchiveImage(m, '@3', 'images.tar'), {
      code: 'IMAGE_NOT_FOUND',
      message: `docker archive images.tar has no image @3: it holds ${ALL}`,
    });
  });

  test('takes the only image when none is named', () => {
    const m: DockerArchiveManifest = [{ Config: 'c.json', RepoTags: null, Layers: [] }];
    assert.equal(selectDockerArchiveImage(m, undefined, 'a.tar').entry.Config, 'c.json');
  });

  test('lists the choices when several images and none named', () => {
    assert.throws(() => selectDockerArchiveImage(manifest(), undefined, 'images.tar'), (err: Error & { code?: string; hint?: string }) => {
      assert.equal(err.code, 'IMAGE_AMBIGUOUS');
      assert.equal(err.message, `docker archive images.tar holds 3 images: ${ALL}`);
      assert.equal(err.hint, 'name one as docker-archive:images.tar:NAME:TAG');
      return true;
    });
  });

  test('lists the choices when the named image is missing', () => {
    assert.throws(() => selectDockerArchiveImage(manifest(), 'busybox:1.37', 'images.tar'), {
      code: 'IMAGE_NOT_FOUND',
      message: `docker archive images.tar has no image busybox:1.37: it holds ${ALL}`,
    });
  });

  test('refuses one tag on two different images', () => {
    const m: DockerArchiveManifest = [
      { Config: 'a.json', RepoTags: ['x:1'], Layers: [] },
      { Config: 'b.json', RepoTags: ['docker.io/library/x:1'], Layers: [] },
    ];
    assert.throws(() => selectDockerArchiveImage(m, 'x:1', 'a.tar'), (err: Error & { code?: string; hint?: string }) => {
      assert.equal(err.code, 'IMAGE_AMBIGUOUS');
      assert.equal(err.message, 'docker archive a.tar has 2 different images tagged x:1');
      assert.equal(err.hint, 'name one by position as docker-archive:a.tar:@N (@0, @1)');
      return true;
    });
  });
});
