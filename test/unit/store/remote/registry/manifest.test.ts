import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkManifestAnswer, digestOfBytes, type ManifestAnswer } from '../../../../../store/remote/registry/manifest.ts';
import { MEDIA_TYPES } from '../../../../../store/formats/oci-types.ts';

const d = (c: string) => `sha256:${c.repeat(64)}`;
const manifest = {
  schemaVersion: 2,
  mediaType: MEDIA_TYPES.ociManifest,
  config: { mediaType: MEDIA_TYPES.ociConfig, digest: d('a'), size: 10 },
  layers: [{ mediaType: MEDIA_TYPES.ociLayerGzip, digest: d('b'), size: 20 }],
};
const bytes = Buffer.from(JSON.stringify(manifest));
const answer = (over: Partial<ManifestAnswer> = {}): ManifestAnswer => ({
  bytes,
  contentType: MEDIA_TYPES.ociManifest,
  headerDigest: undefined,
  wantDigest: undefined,
  what: 'the manifest of r/app:1',
  maxBytes: 1 << 20,
  ...over,
});

describe('checkManifestAnswer', () => {
  test('an OCI manifest, by tag or by digest', () => {
    const m = checkManifestAnswer(answer({ headerDigest: digestOfBytes(bytes) }));
    assert.equal(m.kind, 'manifest');
    assert.equal(m.digest, digestOfBytes(bytes));
    assert.equal(checkManifestAnswer(answer({ wantDigest: digestOfBytes(bytes) })).kind, 'manifest');
  });

  test('bytes that do not hash to the digest asked for, or to the one the registry claims', () => {
    assert.throws(() => checkManifestAnswer(answer({ wantDigest: d('c') as never })), {
      code: 'DIGEST_MISMATCH',
      message: `the manifest of r/app:1 has digest ${digestOfBytes(bytes)}, expected ${d('c')}`,
    });
    assert.throws(() => checkManifestAnswer(answer({ headerDigest: d('c') })), { code: 'DIGEST_MISMATCH', message: /but the registry says/ });
  });

  test('indexes and Docker manifest lists', () => {
    const list = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.dockerManifestList, manifests: [] }));
    const m = checkManifestAnswer(answer({ bytes: list, contentType: `${MEDIA_TYPES.dockerManifestList}; charset=utf-8` }));
    assert.equal(m.kind, 'index');
  });

  test('a generic JSON type is accepted when the document names its type', () => {
    assert.equal(checkManifestAnswer(answer({ contentType: 'application/json' })).kind, 'manifest');
    const bare = Buffer.from(JSON.stringify({ ...manifest, mediaType: undefined }));
    assert.throws(() => checkManifestAnswer(answer({ bytes: bare, contentType: 'application/json' })), { code: 'IMAGE_FORMAT' });
  });

  test('wrong content types, schema 1 and oversize documents are refused', () => {
    assert.throws(() => checkManifestAnswer(answer({ contentType: 'text/html' })), {
      code: 'IMAGE_FORMAT',
      message: 'the manifest of r/app:1 came with Content-Type "text/html", which is not an image manifest or index',
    });
    assert.throws(() => checkManifestAnswer(answer({ contentType: MEDIA_TYPES.dockerManifest })), { message: /but says it is/ });
    assert.throws(() => checkManifestAnswer(answer({ contentType: 'application/vnd.docker.distribution.manifest.v1+prettyjws' })), {
      code: 'IMAGE_FORMAT',
      message: 'the manifest of r/app:1 is a Docker schema 1 manifest, which skiff does not read',
    });
    const v1 = Buffer.from(JSON.stringify({ schemaVersion: 1, name: 'x' }));
    assert.throws(() => checkManifestAnswer(answer({ bytes: v1, contentType: 'application/json' })), /schema 1/);
    assert.throws(() => checkManifestAnswer(answer({ maxBytes: 10 })), { code: 'MANIFEST_INVALID' });
  });
});
