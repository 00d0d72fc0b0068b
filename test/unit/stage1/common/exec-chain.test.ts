import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { buildExecChain, findHostTool, shellExecWords, shellQuote } from '../../../../stage1/common/exec-chain.ts';
import type { ExecPlan } from '../../../../stage1/common/exec-plan.ts';

const TOOLS = { setpriv: '/usr/bin/setpriv', unshare: '/usr/bin/unshare' };
const PLAN: ExecPlan = {
  root: '/pods/x/rootfs',
  workingDirectory: '/work',
  uid: 1000,
  gid: 1000,
  supplementaryGids: [1001, 1002],
  env: { AC_APP_NAME: 'tool', PATH: '/bin' },
  argv: ['/bin/tool', '--serve'],
};

test('setpriv sets gid and groups, unshare chroots, chdirs and drops the uid', () => {
  assert.deepEqual(buildExecChain(PLAN, TOOLS), {
    file: '/usr/bin/setpriv',
    args: [
      '/usr/bin/setpriv', '--regid=1000', '--groups=1001,1002', '--',
      '/usr/bin/unshare', '--root=/pods/x/rootfs', '--wd=/work', '--setuid=1000', '--',
      '/bin/tool', '--serve',
    ],
    env: PLAN.env,
  });
  const noGroups = buildExecChain({ ...PLAN, supplementaryGids: [] }, TOOLS);
  assert.equal(noGroups.args[2], '--clear-groups');
});

test('shell words survive a round trip through sh, whatever they hold', () => {
  const words = ["it's", 'a b', '$HOME', '`id`', 'back\\slash', 'new\nline', '', '"q"', '*', '-n'];
  const script = `eval "set -- ${words.map(shellQuote).join(' ').replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('$', '\\$').replaceAll('`', '\\`')}"; printf '%s\\0' "$@"`;
  const res = spawnSync('/bin/sh', ['-c', script], { encoding: 'utf8' });
  assert.equal(res.status, 0, res.stderr);
  assert.deepEqual(res.stdout.split('\0').slice(0, -1), words);
});

test('shellExecWords: env -i with exactly the app environment, then the chain', () => {
  const cmd = buildExecChain({ ...PLAN, env: { A: "x'y" } }, TOOLS);
  const words = shellExecWords(cmd, '/usr/bin/env');
  assert.ok(words.startsWith(`'/usr/bin/env' '-i' '--' 'A=x'\\''y' '/usr/bin/setpriv' '--regid=1000'`));
  // What run.sh does with it, minus the exec: the words come back intact.
  const res = spawnSync('/bin/sh', ['-c', 'eval "set -- $1"; printf "%s\\0" "$@"', 'sh', words], { encoding: 'utf8' });
  assert.deepEqual(res.stdout.split('\0').slice(0, -1), ['/usr/bin/env', '-i', '--', "A=x'y", ...cmd.args]);
});

test('host tools are found on PATH or in the usual directories, else a hint names util-linux', () => {
  assert.match(findHostTool('sh', '/nonexistent'), /^\/(usr\/)?bin\/sh$/);
  assert.throws(() => findHostTool('no-such-tool-skiff', '/nonexistent'), /no-such-tool-skiff not found on the host/);
});
