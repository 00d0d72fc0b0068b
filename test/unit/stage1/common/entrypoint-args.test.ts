import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  argvWantsDebug,
  parseDnsConfMode,
  parseEnterArgs,
  parseGcArgs,
  parseRunArgs,
  parseStopArgs,
} from '../../../../stage1/common/entrypoint-args.ts';

const UUID = '0b1c7f0e-4f4b-4c37-9a39-6b7f1d2b9c11';

test('run: defaults with only the UUID', () => {
  assert.deepEqual(parseRunArgs([UUID]), {
    uuid: UUID,
    debug: false,
    logFormat: 'pretty',
    net: undefined,
    interactive: false,
    hostname: undefined,
    dnsConfMode: { resolv: 'default', hosts: 'default' },
    insecureOptions: [],
    stage1Runtime: undefined,
  });
});

test('run: every option', () => {
  const opts = parseRunArgs([
    '--debug',
    '--log-format=json',
    '--net=default,backend',
    '--interactive',
    '--hostname=web-1',
    '--dns-conf-mode=resolv=stage0,hosts=host',
    '--insecure-options=image,ondisk',
    '--stage1-runtime=/usr/bin/runc',
    UUID,
  ]);
  assert.equal(opts.debug, true);
  assert.equal(opts.logFormat, 'json');
  assert.deepEqual(opts.net, ['default', 'backend']);
  assert.equal(opts.interactive, true);
  assert.equal(opts.hostname, 'web-1');
  assert.deepEqual(opts.dnsConfMode, { resolv: 'stage0', hosts: 'host' });
  assert.deepEqual(opts.insecureOptions, ['image', 'ondisk']);
  assert.equal(opts.stage1Runtime, '/usr/bin/runc');
});

test('run: flags take true/false, the last one wins', () => {
  assert.equal(parseRunArgs(['--debug=true', UUID]).debug, true);
  assert.equal(parseRunArgs(['--debug', '--debug=false', UUID]).debug, false);
  assert.throws(() => parseRunArgs(['--debug=yes', UUID]), /takes no value other than true or false/);
});

test('run: usage errors', () => {
  assert.throws(() => parseRunArgs([]), /the pod UUID is missing/);
  assert.throws(() => parseRunArgs([UUID, UUID]), /expected one pod UUID/);
  assert.throws(() => parseRunArgs(['not-a-uuid']), /invalid pod UUID/);
  assert.throws(() => parseRunArgs(['--private-users=1', UUID]), /unknown option --private-users/);
  assert.throws(() => parseRunArgs(['--hostname', UUID]), /--hostname needs a value/);
  assert.throws(() => parseRunArgs(['--net=', UUID]), /--net needs a value/);
  assert.throws(() => parseRunArgs(['--log-format=xml', UUID]), /--log-format must be pretty or json/);
  assert.throws(() => parseRunArgs([UUID, '--', 'sh']), /takes no command/);
  try {
    parseRunArgs(['--bogus', UUID]);
    assert.fail('no error');
  } catch (err) {
    assert.equal((err as { code?: string }).code, 'USAGE');
  }
});

test('dns-conf-mode pairs', () => {
  assert.deepEqual(parseDnsConfMode('resolv=none'), { resolv: 'none', hosts: 'default' });
  assert.deepEqual(parseDnsConfMode('hosts=stage0,resolv=host'), { resolv: 'host', hosts: 'stage0' });
  assert.deepEqual(parseDnsConfMode(undefined), { resolv: 'default', hosts: 'default' });
  assert.throws(() => parseDnsConfMode('hosts=none'), /invalid --dns-conf-mode item "hosts=none"/);
  assert.throws(() => parseDnsConfMode('dns=host'), /invalid --dns-conf-mode/);
});

test('enter: app, command after --, options after -- are the command\'s', () => {
  assert.deepEqual(parseEnterArgs(['--app=web', UUID, '--', 'ls', '--debug', '-l']), {
    uuid: UUID,
    debug: false,
    logFormat: 'pretty',
    app: 'web',
    interactive: false,
    command: ['ls', '--debug', '-l'],
  });
  const bare = parseEnterArgs(['--interactive', UUID]);
  assert.equal(bare.app, undefined);
  assert.equal(bare.interactive, true);
  assert.deepEqual(bare.command, []);
  assert.throws(() => parseEnterArgs(['--app=Bad_Name', UUID]), /invalid app name/);
});

test('stop and gc', () => {
  assert.equal(parseStopArgs([UUID]).force, false);
  assert.equal(parseStopArgs(['--force', UUID]).force, true);
  assert.equal(parseGcArgs(['--debug', UUID]).debug, true);
  assert.throws(() => parseGcArgs(['--force', UUID]), /unknown option --force/);
});

test('argvWantsDebug looks only before --', () => {
  assert.equal(argvWantsDebug(['--debug', UUID]), true);
  assert.equal(argvWantsDebug([UUID, '--', 'x', '--debug']), false);
});
