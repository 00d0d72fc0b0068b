import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { App } from '../../../../common/appc-types.ts';
import { parseAppName } from '../../../../common/ids.ts';
import { buildExecPlan, canExecute, checkCommand, DEFAULT_APP_PATH } from '../../../../stage1/common/exec-plan.ts';
import type { ExecPlan } from '../../../../stage1/common/exec-plan.ts';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../fixtures/stage1');
const passwdText = fs.readFileSync(path.join(fixtures, 'passwd'), 'utf8');
const groupText = fs.readFileSync(path.join(fixtures, 'group'), 'utf8');
const appName = parseAppName('tool');

function plan(app: Partial<App>, extra: { passwd?: string; group?: string; command?: string[] } = {}): ExecPlan {
  const input = {
    appName,
    app: { exec: ['/bin/tool'], user: '0', group: '0', ...app },
    root: '/pods/p/rootfs',
    passwdText: 'passwd' in extra ? extra.passwd : passwdText,
    groupText: 'group' in extra ? extra.group : groupText,
  };
  return buildExecPlan(extra.command ? { ...input, command: extra.command } : input);
}

test('user and group by name: primary group and member-of groups', () => {
  const p = plan({ user: 'app', group: '' });
  assert.deepEqual([p.uid, p.gid, p.supplementaryGids], [1000, 1000, [1001, 1002]]);
  assert.equal(p.env.HOME, '/home/app');
});

test('an explicit group means exactly that group; supplementaryGIDs are added', () => {
  const p = plan({ user: 'app', group: 'media', supplementaryGIDs: [5, 1001] });
  assert.deepEqual([p.uid, p.gid, p.supplementaryGids], [1000, 1001, [5, 1001]]);
});

test('numeric ids need no passwd or group file', () => {
  const p = plan({ user: '4242', group: '4343' }, { passwd: undefined, group: undefined });
  assert.deepEqual([p.uid, p.gid, p.supplementaryGids], [4242, 4343, []]);
  assert.equal(p.env.HOME, undefined);
});

test('unknown names are manifest errors naming the image files', () => {
  assert.throws(() => plan({ user: 'ghost', group: '' }), /user "ghost" is not in app "tool"'s \/etc\/passwd/);
  assert.throws(() => plan({ user: 'app', group: 'ghosts' }), /group "ghosts" is not in/);
  assert.throws(() => plan({ user: 'app', group: '' }, { passwd: undefined }), /\/etc\/passwd does not exist/);
});

test('environment: the app\'s, then AC_APP_NAME, PATH and HOME defaults', () => {
  const p = plan({ environment: [{ name: 'GREETING', value: 'hi' }, { name: 'AC_APP_NAME', value: 'spoof' }] });
  assert.deepEqual(p.env, { GREETING: 'hi', AC_APP_NAME: 'tool', PATH: DEFAULT_APP_PATH, HOME: '/root' });
  const own = plan({ environment: [{ name: 'PATH', value: '/opt/bin' }, { name: 'HOME', value: '/h' }] });
  assert.equal(own.env.PATH, '/opt/bin');
  assert.equal(own.env.HOME, '/h');
  assert.throws(() => plan({ environment: [{ name: 'A=B', value: 'x' }] }), /invalid environment variable "A=B"/);
});

test('working directory defaults to / and must be absolute; argv comes from exec or the command', () => {
  assert.equal(plan({}).workingDirectory, '/');
  assert.equal(plan({ workingDirectory: '/srv/../work/' }).workingDirectory, '/work');
  assert.throws(() => plan({ workingDirectory: 'rel' }), /is not absolute/);
  assert.deepEqual(plan({ exec: ['/bin/tool', '-v'] }).argv, ['/bin/tool', '-v']);
  assert.deepEqual(plan({}, { command: ['ls', '-l'] }).argv, ['ls', '-l']);
  assert.throws(() => plan({ exec: [] }), /has no command to run/);
});

test('canExecute follows owner, group, other bits; root needs any x bit', () => {
  const creds = { uid: 1000, gid: 1000, supplementaryGids: [1001] };
  assert.equal(canExecute({ mode: 0o100744, uid: 1000, gid: 0 }, creds), true);
  assert.equal(canExecute({ mode: 0o100654, uid: 1000, gid: 1000 }, creds), false);
  assert.equal(canExecute({ mode: 0o100750, uid: 0, gid: 1001 }, creds), true);
  assert.equal(canExecute({ mode: 0o100701, uid: 0, gid: 0 }, creds), true);
  assert.equal(canExecute({ mode: 0o100644, uid: 0, gid: 0 }, { uid: 0, gid: 0, supplementaryGids: [] }), false);
  assert.equal(canExecute({ mode: 0o100010, uid: 5, gid: 5 }, { uid: 0, gid: 0, supplementaryGids: [] }), true);
});

function imageRoot(t: { after: (fn: () => void) => void }): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-cmd-'));
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  for (const d of ['usr/bin', 'usr/local/bin', 'opt/app', 'work']) fs.mkdirSync(path.join(root, d), { recursive: true });
  fs.writeFileSync(path.join(root, 'usr/bin/busybox'), '', { mode: 0o755 });
  fs.symlinkSync('usr/bin', path.join(root, 'bin'));
  fs.symlinkSync('/usr/bin/busybox', path.join(root, 'usr/bin/sh'));
  fs.writeFileSync(path.join(root, 'usr/local/bin/tool'), '', { mode: 0o644 }); // not executable
  fs.writeFileSync(path.join(root, 'usr/bin/tool'), '', { mode: 0o755 });
  fs.writeFileSync(path.join(root, 'opt/app/noexec'), '', { mode: 0o644 });
  fs.writeFileSync(path.join(root, 'work/run.sh'), '', { mode: 0o755 });
  return root;
}

function rootPlan(root: string, argv: string[], extra: Partial<ExecPlan> = {}): ExecPlan {
  return { root, workingDirectory: '/', uid: 0, gid: 0, supplementaryGids: [], env: { PATH: DEFAULT_APP_PATH }, argv, ...extra };
}

test('checkCommand: absolute, through symlinks, PATH search, relative to the working directory', (t) => {
  const root = imageRoot(t);
  assert.equal(checkCommand(rootPlan(root, ['/bin/sh'])), '/usr/bin/busybox');
  assert.equal(checkCommand(rootPlan(root, ['sh'])), '/usr/bin/busybox');
  // execvp skips a non-executable hit earlier in PATH.
  assert.equal(checkCommand(rootPlan(root, ['tool'])), '/usr/bin/tool');
  assert.equal(checkCommand(rootPlan(root, ['./run.sh'], { workingDirectory: '/work' })), '/work/run.sh');
});

test('checkCommand: 127 when missing, 126 when not executable or a directory', (t) => {
  const root = imageRoot(t);
  const codeOf = (p: ExecPlan): string | undefined => {
    try {
      checkCommand(p);
      return undefined;
    } catch (err) {
      return (err as { code?: string }).code;
    }
  };
  assert.equal(codeOf(rootPlan(root, ['/bin/nope'])), 'APP_NOT_FOUND');
  assert.equal(codeOf(rootPlan(root, ['nope'])), 'APP_NOT_FOUND');
  assert.throws(() => checkCommand(rootPlan(root, ['nope'])), /nope not found in the image \(searched PATH=/);
  assert.equal(codeOf(rootPlan(root, ['/opt/app/noexec'])), 'APP_NOT_EXECUTABLE');
  assert.equal(codeOf(rootPlan(root, ['/opt/app'])), 'APP_NOT_EXECUTABLE');
  assert.equal(codeOf(rootPlan(root, ['noexec'], { env: { PATH: '/opt/app' } })), 'APP_NOT_EXECUTABLE');
  // The host's /usr/bin/env exists, the image's does not: the lookup stays in the root.
  assert.equal(codeOf(rootPlan(root, ['/usr/bin/env'])), 'APP_NOT_FOUND');
});
