import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { OPTION_SPECS, collectOptions, lookupOption, parseBoolValue, splitOptionToken } from '../../../../stage0/pod/option-table.ts';
import { SkiffError } from '../../../../common/errors.ts';

const usage = (re: RegExp) => (err: unknown) => err instanceof SkiffError && err.code === 'USAGE' && re.test(err.message);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

test('the table holds the DESIGN.md app and pod options in the right scopes', () => {
  const app = ['name', 'exec', 'user', 'group', 'supplementary-gids', 'working-dir', 'environment', 'memory', 'cpu',
    'cpu-shares', 'oom-score-adj', 'readonly-rootfs', 'caps-retain', 'caps-remove', 'seccomp', 'mount'];
  const pod = ['stage1-name', 'stage1-path', 'stage1-runtime', 'no-overlay', 'net', 'dns', 'dns-search', 'dns-opt',
    'hostname', 'hosts-entry', 'volume', 'port', 'pod-manifest', 'uuid-file-save', 'set-env', 'set-env-file',
    'inherit-env', 'interactive', 'private-users', 'pull-policy'];
  for (const name of app) assert.equal(OPTION_SPECS[name]?.scope, 'app', name);
  for (const name of pod) assert.equal(OPTION_SPECS[name]?.scope, 'pod', name);
  for (const name of ['dir', 'insecure-options', 'debug', 'log-format']) assert.equal(OPTION_SPECS[name]?.scope, 'global', name);
  assert.equal(lookupOption('toString'), undefined, 'no prototype keys');
});

test('splitOptionToken', () => {
  assert.deepEqual(splitOptionToken('--a=b=c'), { name: 'a', value: 'b=c' });
  assert.deepEqual(splitOptionToken('--a='), { name: 'a', value: '' });
  assert.deepEqual(splitOptionToken('--a'), { name: 'a' });
  assert.deepEqual(splitOptionToken('-h'), { name: 'help' });
  assert.equal(splitOptionToken('--'), undefined);
  assert.equal(splitOptionToken('image'), undefined);
  assert.equal(splitOptionToken('-'), undefined);
});

test('parseBoolValue reads strconv.ParseBool spellings', () => {
  for (const t of ['true', '1', 't', 'TRUE', 'True']) assert.equal(parseBoolValue('x', t), true);
  for (const f of ['false', '0', 'f', 'FALSE', 'False']) assert.equal(parseBoolValue('x', f), false);
  assert.throws(() => parseBoolValue('x', 'yes'), usage(/--x takes true or false, not "yes"/));
});

test('collectOptions groups values and refuses repeats of single options', () => {
  const m = collectOptions(['--dns=1.1.1.1', '--dns=8.8.8.8', '--hostname=h', '--inherit-env', '--net'], ['pod']);
  assert.deepEqual(Object.fromEntries(m), { dns: ['1.1.1.1', '8.8.8.8'], hostname: ['h'], 'inherit-env': ['true'], net: ['default'] });
  assert.throws(() => collectOptions(['--hostname=a', '--hostname=b'], ['pod']), usage(/--hostname was given twice/));
  assert.throws(() => collectOptions(['--hostname'], ['pod']), usage(/--hostname needs a value/));
  assert.throws(() => collectOptions(['--exec=/x'], ['pod']), usage(/unexpected argument "--exec=\/x"/));
});

test('translation modules stay pure: no node:fs, no console (STYLE 12)', () => {
  const files = [
    ...fs.readdirSync(path.join(root, 'stage0/pod')).filter((f) => f.endsWith('.ts')).map((f) => `stage0/pod/${f}`),
    ...['passwd', 'dns-hosts', 'pod-state', 'duration', 'size'].map((f) => `common/${f}.ts`),
  ];
  for (const file of files) {
    const src = fs.readFileSync(path.join(root, file), 'utf8');
    assert.doesNotMatch(src, /from ['"](node:)?fs(\/promises)?['"]/, file);
    assert.doesNotMatch(src, /\bconsole\./, file);
    assert.doesNotMatch(src, /\bprocess\.(env|exit|cwd)\b/, file);
  }
});
