import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseGroup, parsePasswd, resolveUserGroup } from '../../../common/passwd.ts';
import { SkiffError } from '../../../common/errors.ts';

const PASSWD = [
  'root:x:0:0:root:/root:/bin/sh',
  '# a comment',
  '',
  'daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin',
  'broken line without fields',
  'nginx:x:101:101:nginx user:/var/cache/nginx:/sbin/nologin',
  'bad:x:notanumber:1::/:/bin/sh',
  'app:x:1000:1000::/home/app:/bin/sh\r',
].join('\n');

const GROUP = [
  'root:x:0:',
  'daemon:x:1:',
  'nginx:x:101:',
  'www-data:x:33:nginx,app',
  'audio:x:29: app , other',
  'app:x:1000:',
  'also-app:x:1000:app',
  'junk',
].join('\n');

const invalid = (re: RegExp) => (err: unknown) =>
  err instanceof SkiffError && err.code === 'POD_MANIFEST_INVALID' && re.test(err.message);

test('parsePasswd keeps well-formed entries and skips comments and junk', () => {
  const entries = parsePasswd(PASSWD);
  assert.deepEqual(entries.map((e) => e.name), ['root', 'daemon', 'nginx', 'app']);
  assert.deepEqual(entries[2], { name: 'nginx', uid: 101, gid: 101, gecos: 'nginx user', home: '/var/cache/nginx', shell: '/sbin/nologin' });
  assert.equal(entries[3]?.shell, '/bin/sh', 'a CRLF line ending is not part of the shell');
});

test('parseGroup reads member lists', () => {
  const groups = parseGroup(GROUP);
  assert.deepEqual(groups.find((g) => g.name === 'www-data'), { name: 'www-data', gid: 33, members: ['nginx', 'app'] });
  assert.deepEqual(groups.find((g) => g.name === 'audio')?.members, ['app', 'other']);
  assert.deepEqual(groups.find((g) => g.name === 'root')?.members, []);
  assert.equal(groups.some((g) => g.name === 'junk'), false);
});

test('a user name resolves through passwd; an empty group means its primary group plus memberships', () => {
  assert.deepEqual(resolveUserGroup('app', '', PASSWD, GROUP), {
    uid: 1000,
    gid: 1000,
    supplementaryGids: [33, 29, 1000],
    home: '/home/app',
  });
});

test('an explicit group gets no supplementary groups (runc)', () => {
  assert.deepEqual(resolveUserGroup('nginx', 'www-data', PASSWD, GROUP), {
    uid: 101,
    gid: 33,
    supplementaryGids: [],
    home: '/var/cache/nginx',
  });
  assert.deepEqual(resolveUserGroup('nginx', '5000', PASSWD, GROUP).gid, 5000);
});

test('a numeric uid in passwd takes its entry; one not in passwd needs no files', () => {
  assert.deepEqual(resolveUserGroup('101', '', PASSWD, GROUP), { uid: 101, gid: 101, supplementaryGids: [33], home: '/var/cache/nginx' });
  assert.deepEqual(resolveUserGroup('4242', '', PASSWD, GROUP), { uid: 4242, gid: 0, supplementaryGids: [] });
  assert.deepEqual(resolveUserGroup('4242', '4343', undefined, undefined), { uid: 4242, gid: 4343, supplementaryGids: [] });
  assert.deepEqual(resolveUserGroup('0', '0', undefined, undefined), { uid: 0, gid: 0, supplementaryGids: [] });
});

test('names that are not found are errors naming the app file', () => {
  assert.throws(() => resolveUserGroup('nobody', '', PASSWD, GROUP, 'web'), invalid(/user "nobody" is not in app "web"'s \/etc\/passwd/));
  assert.throws(() => resolveUserGroup('nobody', '', undefined, GROUP), invalid(/the app's \/etc\/passwd does not exist; use a numeric uid/));
  assert.throws(() => resolveUserGroup('app', 'wheel', PASSWD, GROUP), invalid(/group "wheel" is not in the app's \/etc\/group/));
  assert.throws(() => resolveUserGroup('0', 'wheel', PASSWD, undefined), invalid(/\/etc\/group does not exist; use a numeric gid/));
});

test('out-of-range and empty ids are refused', () => {
  assert.throws(() => resolveUserGroup('4294967295', '', undefined, undefined), invalid(/invalid user/));
  assert.throws(() => resolveUserGroup('0', '99999999999', undefined, undefined), invalid(/invalid group/));
  assert.throws(() => resolveUserGroup('', '', PASSWD, GROUP), invalid(/invalid user/));
});
