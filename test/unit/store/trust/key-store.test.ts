// The key store on temp dirs: local over system, empty local files masking, listing every
// prefix, and removal that masks what it cannot delete.
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ConfigDirs } from '../../../../common/context.ts';
import * as layout from '../../../../common/layout.ts';
import { keysForImage, keysInScope, listTrustedKeys, removeTrustedKey, writeTrustedKey } from '../../../../store/trust/key-store.ts';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);
let tmp: string;
let config: ConfigDirs;

function put(configDir: string, prefix: string | undefined, fp: string, content = `key ${fp}\n`): string {
  const dir = prefix === undefined ? layout.trustedKeysRootDir(configDir) : layout.trustedKeysPrefixDir(configDir, prefix);
  fs.mkdirSync(dir, { recursive: true });
  const file = layout.trustedKeyPath(dir, fp);
  fs.writeFileSync(file, content);
  return file;
}

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-keys-'));
  config = { local: path.join(tmp, 'local'), system: path.join(tmp, 'system') };
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('an image gets the keys of every prefix of its name and the root keys, in that order', () => {
  put(config.system, 'example.com', A);
  put(config.local, 'example.com/app', B);
  put(config.local, undefined, C);
  put(config.local, 'example.org', 'd'.repeat(40));
  put(config.local, 'example.com/application', 'e'.repeat(40));
  const keys = keysForImage(config, 'example.com/app/x');
  assert.deepEqual(keys.map((k) => [k.fingerprint, k.origin, k.scope]), [
    [B, 'local', { kind: 'prefix', prefix: 'example.com/app' }],
    [A, 'system', { kind: 'prefix', prefix: 'example.com' }],
    [C, 'local', { kind: 'root' }],
  ]);
});

test('a local key overrides the system one; an empty local file masks it', () => {
  put(config.system, 'example.com', A);
  put(config.system, 'example.com', B);
  const local = put(config.local, 'example.com', A, 'local copy');
  put(config.local, 'example.com', B, '');
  const keys = keysInScope(config, { kind: 'prefix', prefix: 'example.com' });
  assert.deepEqual(keys.map((k) => [k.fingerprint, k.origin, k.path]), [[A, 'local', local]]);
});

test('files that are not fingerprints (temp files, notes) are ignored', () => {
  put(config.local, undefined, A);
  fs.writeFileSync(path.join(layout.trustedKeysRootDir(config.local), `.${B}.123.tmp`), 'x');
  fs.writeFileSync(path.join(layout.trustedKeysRootDir(config.local), 'README'), 'x');
  assert.deepEqual(keysInScope(config, { kind: 'root' }).map((k) => k.fingerprint), [A]);
});

test('listing walks nested prefixes of both dirs', () => {
  put(config.local, undefined, A);
  put(config.system, 'example.com/app', B);
  put(config.local, 'example.com', C);
  assert.deepEqual(listTrustedKeys(config).map((k) => [k.scope.kind === 'root' ? '(root)' : k.scope.prefix, k.fingerprint]), [
    ['(root)', A], ['example.com', C], ['example.com/app', B],
  ]);
});

test('written keys land in the local dir, durable and readable', () => {
  const file = writeTrustedKey(config, { kind: 'prefix', prefix: 'example.com/app' }, A, 'armored');
  assert.equal(file, path.join(config.local, 'trustedkeys/prefix.d/example.com/app', A));
  assert.equal(fs.readFileSync(file, 'utf8'), 'armored');
  assert.equal(fs.statSync(file).mode & 0o777, 0o644);
});

test('rm deletes a local key and masks a system one', () => {
  const localFile = put(config.local, 'example.com', A);
  put(config.system, 'example.com', B);
  assert.deepEqual(removeTrustedKey(config, A), [{ scope: { kind: 'prefix', prefix: 'example.com' }, how: 'removed' }]);
  assert.equal(fs.existsSync(localFile), false);
  assert.deepEqual(removeTrustedKey(config, B, { kind: 'prefix', prefix: 'example.com' }), [
    { scope: { kind: 'prefix', prefix: 'example.com' }, how: 'masked' },
  ]);
  assert.equal(fs.readFileSync(path.join(layout.trustedKeysPrefixDir(config.local, 'example.com'), B), 'utf8'), '');
  assert.deepEqual(listTrustedKeys(config), []);
});

test('rm of a key not trusted in the named scope says so', () => {
  put(config.local, 'example.com', A);
  assert.throws(() => removeTrustedKey(config, A, { kind: 'root' }), { code: 'USAGE', message: /no trusted key a+ among the root keys/ });
  assert.throws(() => removeTrustedKey(config, B), { code: 'USAGE' });
});

test('a read-only config dir gives one clear NEEDS_ROOT error', { skip: process.getuid?.() === 0 ? 'root can write anywhere' : false }, () => {
  fs.mkdirSync(config.local, { mode: 0o555 });
  assert.throws(() => writeTrustedKey(config, { kind: 'root' }, A, 'k'), { code: 'NEEDS_ROOT', message: /EACCES/ });
});
