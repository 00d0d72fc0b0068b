import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAuthChallenges, pickChallenge } from '../../../../../store/remote/registry/auth-challenge.ts';

describe('parseAuthChallenges', () => {
  test("docker's Bearer challenge", () => {
    assert.deepEqual(parseAuthChallenges('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:app/web:pull"'), [
      { scheme: 'bearer', params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:app/web:pull' } },
    ]);
  });

  test('Basic, bare values, spaces and escapes', () => {
    assert.deepEqual(parseAuthChallenges('Basic realm="Registry \\"x\\""'), [{ scheme: 'basic', params: { realm: 'Registry "x"' } }]);
    assert.deepEqual(parseAuthChallenges('bearer  realm = https://a/t , service=reg'), [{ scheme: 'bearer', params: { realm: 'https://a/t', service: 'reg' } }]);
  });

  test('several challenges in one header or several headers; Bearer preferred', () => {
    const cs = parseAuthChallenges(['Basic realm="r", Bearer realm="https://a/t",service="s"', 'Negotiate']);
    assert.deepEqual(cs.map((c) => c.scheme), ['basic', 'bearer', 'negotiate']);
    assert.equal(pickChallenge(cs)?.scheme, 'bearer');
    assert.equal(pickChallenge(parseAuthChallenges('Basic realm="r"'))?.scheme, 'basic');
    assert.equal(pickChallenge(parseAuthChallenges('Negotiate')), undefined);
  });

  test('absent or malformed headers give what was understood', () => {
    assert.deepEqual(parseAuthChallenges(undefined), []);
    assert.deepEqual(parseAuthChallenges(''), []);
    assert.deepEqual(parseAuthChallenges('Bearer realm="https://a/t",@@@'), [{ scheme: 'bearer', params: { realm: 'https://a/t' } }]);
  });
});
