import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SkiffError } from '../../../../../common/errors.ts';
import { authHeadersFor, loadHostAuth, parseAuthFiles } from '../../../../../store/remote/aci/auth-headers.ts';

const usage = (re: RegExp) => (err: unknown) => err instanceof SkiffError && err.code === 'USAGE' && re.test(err.message);
const basic = (domains: string[], user = 'u', password = 'p') => JSON.stringify({ skiffKind: 'auth', skiffVersion: 'v1', domains, type: 'basic', credentials: { user, password } });

test('basic and oauth credentials; a port in the domain must match, none matches any port', () => {
  const table = parseAuthFiles(new Map([
    ['a.json', basic(['example.com'])],
    ['b.json', JSON.stringify({ skiffKind: 'auth', skiffVersion: 'v1', domains: ['Tokens.example.com:8443'], type: 'oauth', credentials: { token: 't0k' } })],
    ['c.json', JSON.stringify({ skiffKind: 'dockerAuth', skiffVersion: 'v1', registries: ['r'], credentials: { user: 'x', password: 'y' } })],
    ['d.json', ''],
  ]));
  assert.deepEqual(authHeadersFor(table, 'https://example.com:9000/x.aci'), { authorization: `Basic ${Buffer.from('u:p').toString('base64')}` });
  assert.deepEqual(authHeadersFor(table, 'https://tokens.example.com:8443/x'), { authorization: 'Bearer t0k' });
  assert.deepEqual(authHeadersFor(table, 'https://tokens.example.com/x'), {});
  assert.deepEqual(authHeadersFor(table, 'https://other.example.com/x'), {});
});

test('malformed auth files are refused with the file named', () => {
  assert.throws(() => parseAuthFiles(new Map([['/etc/skiff/auth.d/x.json', '{']])), usage(/x\.json is not JSON/));
  const bad = (doc: object) => () => parseAuthFiles(new Map([['f.json', JSON.stringify({ skiffKind: 'auth', skiffVersion: 'v1', domains: ['a'], ...doc })]]));
  assert.throws(bad({ skiffVersion: 'v2' }), usage(/skiffVersion/));
  assert.throws(bad({ domains: 'a' }), usage(/domains/));
  assert.throws(bad({ type: 'basic', credentials: { user: 'u' } }), usage(/type must be/));
  assert.throws(bad({ type: 'digest', credentials: {} }), usage(/type must be/));
});

test('local config wins per domain; an empty local file masks the system file of that name', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-auth-'));
  try {
    const config = { local: path.join(root, 'local'), system: path.join(root, 'system') };
    for (const d of [config.local, config.system]) fs.mkdirSync(path.join(d, 'auth.d'), { recursive: true });
    fs.writeFileSync(path.join(config.system, 'auth.d', 'a.json'), basic(['a.example.com'], 'sys'));
    fs.writeFileSync(path.join(config.system, 'auth.d', 'b.json'), basic(['b.example.com', 'c.example.com'], 'sys'));
    fs.writeFileSync(path.join(config.local, 'auth.d', 'a.json'), '');
    fs.writeFileSync(path.join(config.local, 'auth.d', 'z.json'), basic(['c.example.com'], 'local'));
    const table = loadHostAuth(config);
    assert.equal(table.has('a.example.com'), false);
    assert.deepEqual(table.get('b.example.com'), { type: 'basic', user: 'sys', password: 'p' });
    assert.deepEqual(table.get('c.example.com'), { type: 'basic', user: 'local', password: 'p' });
    assert.equal(loadHostAuth({ local: path.join(root, 'none'), system: path.join(root, 'none2') }).size, 0);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
