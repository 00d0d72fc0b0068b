import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  loadRegistryCredentials,
  normalizeRegistryKey,
  parseDockerAuthFile,
  parseDockerConfig,
} from '../../../../../store/remote/registry/credentials.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('registry credentials', () => {
  test('normalizeRegistryKey', () => {
    assert.equal(normalizeRegistryKey('https://index.docker.io/v1/'), 'docker.io');
    assert.equal(normalizeRegistryKey('http://Reg.Example:5000/'), 'reg.example:5000');
    assert.equal(normalizeRegistryKey('127.0.0.1:5000'), '127.0.0.1:5000');
  });

  test("docker's config.json: auth, username/password, helper placeholders", () => {
    const t = parseDockerConfig(
      JSON.stringify({
        auths: {
          'https://r.example:5000/v1/': { auth: b64('alice:pa:ss') },
          'q.example': { username: 'bob', password: 'pw' },
          'helper.example': {},
        },
        credsStore: 'desktop',
      }),
      '/h/.docker/config.json',
    );
    assert.deepEqual(t.get('r.example:5000'), { user: 'alice', password: 'pa:ss', from: '/h/.docker/config.json' });
    assert.equal(t.get('q.example')?.user, 'bob');
    assert.equal(t.has('helper.example'), false);
    assert.throws(() => parseDockerConfig('{"auths":{"x":{"auth":"bm9jb2xvbg=="}}}', 'c.json'), /not base64 of user:password/);
    assert.throws(() => parseDockerConfig('{', 'c.json'), { code: 'USAGE', message: /^c\.json is not JSON/ });
  });

  test('auth.d dockerAuth files; other kinds skipped; bad ones named', () => {
    const t = parseDockerAuthFile(
      JSON.stringify({ skiffKind: 'dockerAuth', skiffVersion: 'v1', registries: ['r.example:5000', 'docker.io'], credentials: { user: 'u', password: 'p' } }),
      'a.json',
    );
    assert.deepEqual([...t.keys()], ['r.example:5000', 'docker.io']);
    assert.equal(parseDockerAuthFile(JSON.stringify({ skiffKind: 'auth', skiffVersion: 'v1', domains: ['x'] }), 'b.json').size, 0);
    assert.throws(
      () => parseDockerAuthFile(JSON.stringify({ skiffKind: 'dockerAuth', skiffVersion: 'v1', registries: ['r'], credentials: {} }), 'c.json'),
      { code: 'USAGE', message: 'c.json: credentials must be {"user": …, "password": …}' },
    );
    assert.throws(() => parseDockerAuthFile(JSON.stringify({ skiffKind: 'dockerAuth', skiffVersion: 'v2' }), 'd.json'), /skiffVersion must be "v1"/);
  });

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-creds-'));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test('auth.d wins over docker config; local over system; an empty local file masks', () => {
    const local = path.join(tmp, 'local');
    const system = path.join(tmp, 'system');
    const home = path.join(tmp, 'home');
    const dockerAuth = (user: string, registries: string[]) =>
      JSON.stringify({ skiffKind: 'dockerAuth', skiffVersion: 'v1', registries, credentials: { user, password: 'p' } });
    fs.mkdirSync(path.join(local, 'auth.d'), { recursive: true });
    fs.mkdirSync(path.join(system, 'auth.d'), { recursive: true });
    fs.mkdirSync(path.join(home, '.docker'), { recursive: true });
    fs.writeFileSync(path.join(home, '.docker', 'config.json'), JSON.stringify({ auths: { 'a.example': { auth: b64('docker:p') }, 'd.example': { auth: b64('docker:p') } } }));
    fs.writeFileSync(path.join(system, 'auth.d', 'one.json'), dockerAuth('system', ['a.example', 'b.example']));
    fs.writeFileSync(path.join(system, 'auth.d', 'masked.json'), dockerAuth('system', ['c.example']));
    fs.writeFileSync(path.join(local, 'auth.d', 'two.json'), dockerAuth('local', ['b.example']));
    fs.writeFileSync(path.join(local, 'auth.d', 'masked.json'), '');
    const t = loadRegistryCredentials({ local, system }, { HOME: home });
    assert.equal(t.get('a.example')?.user, 'system');
    assert.equal(t.get('b.example')?.user, 'local');
    assert.equal(t.has('c.example'), false);
    assert.equal(t.get('d.example')?.user, 'docker');
    // $DOCKER_CONFIG names the directory holding config.json.
    const other = loadRegistryCredentials({ local: path.join(tmp, 'none'), system: path.join(tmp, 'none') }, { HOME: home, DOCKER_CONFIG: path.join(tmp, 'nowhere') });
    assert.equal(other.size, 0);
  });
});
