import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTokenAnswer, refused, tokenUrl } from '../../../../../store/remote/registry/token.ts';

describe('token flow helpers', () => {
  test('tokenUrl adds service and scope', () => {
    const u = tokenUrl({ scheme: 'bearer', params: { realm: 'https://auth.example/token?x=1', service: 'reg' } }, 'repository:app:pull', 'r');
    assert.equal(u.href, 'https://auth.example/token?x=1&service=reg&scope=repository%3Aapp%3Apull');
    const both = tokenUrl({ scheme: 'bearer', params: { realm: 'https://a/t', scope: 'repository:app:pull,push' } }, 'repository:app:pull', 'r');
    assert.deepEqual(both.searchParams.getAll('scope'), ['repository:app:pull,push', 'repository:app:pull']);
    assert.throws(() => tokenUrl({ scheme: 'bearer', params: {} }, 's', 'r:5000'), { code: 'AUTH', message: 'r:5000 asks for a Bearer token but names no token server (realm)' });
    assert.throws(() => tokenUrl({ scheme: 'bearer', params: { realm: '/relative' } }, 's', 'r'), { code: 'AUTH' });
  });

  test('parseTokenAnswer takes token or access_token', () => {
    assert.equal(parseTokenAnswer('{"token":"t1"}', 'a'), 't1');
    assert.equal(parseTokenAnswer('{"access_token":"t2","expires_in":300}', 'a'), 't2');
    assert.throws(() => parseTokenAnswer('{}', 'auth.example'), { code: 'AUTH', message: 'the token server auth.example answered without a token' });
    assert.throws(() => parseTokenAnswer('<html>', 'auth.example'), /did not answer with JSON/);
  });

  test('refusals say which credentials were tried, never the password', () => {
    assert.equal(refused('r:5000', 'app', undefined).message, 'r:5000 needs credentials to pull app');
    const e = refused('r:5000', 'app', { user: 'alice', password: 's3cret', from: '/etc/skiff/auth.d/r.json' });
    assert.equal(e.message, 'r:5000 refused user alice (from /etc/skiff/auth.d/r.json) for pulling app');
    assert.doesNotMatch(`${e.message} ${e.hint}`, /s3cret/);
  });
});
