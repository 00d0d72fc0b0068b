import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatRegistryReference, parseRegistryReference } from '../../../../../store/remote/registry/reference.ts';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('parseRegistryReference', () => {
  test('host:port/repo:tag', () => {
    assert.deepEqual(parseRegistryReference('127.0.0.1:5000/app/web:1.0'), {
      registry: '127.0.0.1:5000',
      apiHost: '127.0.0.1:5000',
      repository: 'app/web',
      tag: '1.0',
    });
  });

  test('no tag means latest; a digest pins the manifest and leaves the tag out', () => {
    assert.equal(parseRegistryReference('registry.example/app').tag, 'latest');
    const pinned = parseRegistryReference(`localhost:5000/app@${DIGEST}`);
    assert.equal(pinned.digest, DIGEST);
    assert.equal(pinned.tag, undefined);
    assert.equal(formatRegistryReference(pinned), `localhost:5000/app@${DIGEST}`);
    assert.equal(parseRegistryReference(`r.example/app:v2@${DIGEST}`).tag, 'v2');
  });

  test('Docker Hub shorthand', () => {
    const r = parseRegistryReference('busybox');
    assert.deepEqual([r.registry, r.apiHost, r.repository, r.tag], ['docker.io', 'registry-1.docker.io', 'library/busybox', 'latest']);
    assert.equal(parseRegistryReference('index.docker.io/someone/app:1').registry, 'docker.io');
    assert.equal(parseRegistryReference('someone/app:1').repository, 'someone/app');
  });

  test('a port is not a tag', () => {
    const r = parseRegistryReference('localhost:5000/app');
    assert.equal(r.registry, 'localhost:5000');
    assert.equal(r.tag, 'latest');
  });

  test('refuses what is not a reference, saying why', () => {
    const cases: [string, RegExp][] = [
      ['r.example/App:1', /"App" is not a valid repository name component/],
      ['r.example/app:bad/tag', /is not a valid repository name component/],
      ['r.example/app@sha256:abc', /"sha256:abc" is not a sha256 or sha512 digest/],
      ['r.example/app:-x', /"-x" is not a valid tag/],
      ['r.example/', /names no repository/],
      ['bad_host.example:5000/app', /is not a host name/],
    ];
    for (const [value, message] of cases) {
      assert.throws(() => parseRegistryReference(value), (err: Error & { code?: string; hint?: string }) => {
        assert.equal(err.code, 'USAGE');
        assert.match(err.message, message);
        assert.match(err.message, /^docker:\/\//);
        assert.match(err.hint ?? '', /docker:\/\/HOST\[:PORT\]\/REPO/);
        return true;
      }, value);
    }
  });
});
