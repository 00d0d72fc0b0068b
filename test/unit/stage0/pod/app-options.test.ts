import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseAppOptions,
  parseCapabilities,
  parseEnvAssignment,
  parseExec,
  parseMount,
  parseSeccomp,
} from '../../../../stage0/pod/app-options.ts';
import { splitApps } from '../../../../stage0/pod/split-apps.ts';
import { SkiffError } from '../../../../common/errors.ts';

const usage = (re: RegExp) => (err: unknown) => err instanceof SkiffError && err.code === 'USAGE' && re.test(err.message);
const appOpts = (...words: string[]) => parseAppOptions(splitApps(['img', ...words]).apps[0]?.appArgs ?? []);

test('every app option parses to its typed value', () => {
  const opts = appOpts(
    '--name=web', '--exec=/usr/sbin/nginx', '--user=nginx', '--group=www-data', '--supplementary-gids=10,20',
    '--working-dir=/srv', '--environment=A=1', '--environment', 'B=x=y', '--environment=A=2',
    '--memory=128M', '--cpu=1.5', '--cpu-shares=512', '--oom-score-adj=-100', '--readonly-rootfs=true',
    '--caps-retain=net_bind_service,CAP_CHOWN', '--seccomp=mode=remove,errno=eperm,reboot,kexec_load',
    '--mount=volume=data,target=/data', '--mount', 'target=/cache,volume=cache',
  );
  assert.deepEqual(opts, {
    name: 'web',
    exec: '/usr/sbin/nginx',
    user: 'nginx',
    group: 'www-data',
    supplementaryGids: [10, 20],
    workingDir: '/srv',
    environment: { A: '2', B: 'x=y' },
    memoryBytes: 128_000_000,
    cpuMillicores: 1500,
    cpuShares: 512,
    oomScoreAdj: -100,
    readOnlyRootfs: true,
    capsRetain: ['CAP_NET_BIND_SERVICE', 'CAP_CHOWN'],
    seccomp: { mode: 'remove', errno: 'EPERM', set: ['reboot', 'kexec_load'] },
    mounts: [{ volume: 'data', target: '/data' }, { volume: 'cache', target: '/cache' }],
  });
});

test('no options give the empty defaults', () => {
  assert.deepEqual(parseAppOptions([]), { environment: {}, mounts: [] });
});

test('capabilities are case-insensitive, prefix-optional, deduplicated and checked', () => {
  assert.deepEqual(parseCapabilities('caps-remove', 'mknod, Cap_Sys_Chroot,MKNOD'), ['CAP_MKNOD', 'CAP_SYS_CHROOT']);
  assert.deepEqual(parseCapabilities('caps-retain', 'CAP_CHECKPOINT_RESTORE'), ['CAP_CHECKPOINT_RESTORE']);
  assert.throws(() => parseCapabilities('caps-retain', 'CAP_FLY'), usage(/"CAP_FLY" is not a Linux capability/));
  assert.throws(() => parseCapabilities('caps-retain', 'CAP_KILL,'), usage(/is not a Linux capability/));
});

test('--caps-retain and --caps-remove exclude each other', () => {
  assert.throws(() => appOpts('--caps-retain=kill', '--caps-remove=mknod'), usage(/either --caps-retain or --caps-remove/));
});

test('seccomp: rkt syntax in any order, scoped wildcards, errno names checked', () => {
  assert.deepEqual(parseSeccomp('errno=ENOSYS,mode=retain,@appc.io/all'), { mode: 'retain', errno: 'ENOSYS', set: ['@appc.io/all'] });
  assert.deepEqual(parseSeccomp('mode=retain,read,write,read'), { mode: 'retain', set: ['read', 'write'] });
  assert.throws(() => parseSeccomp('read,write'), usage(/needs mode=retain or mode=remove/));
  assert.throws(() => parseSeccomp('mode=keep,read'), usage(/give mode=retain or mode=remove once/));
  assert.throws(() => parseSeccomp('mode=retain,mode=remove,read'), usage(/once/));
  assert.throws(() => parseSeccomp('mode=remove,errno=EWHATEVER,reboot'), usage(/errno name such as EPERM/));
  assert.throws(() => parseSeccomp('mode=remove'), usage(/at least one syscall/));
  assert.throws(() => parseSeccomp('mode=remove,Reboot'), usage(/"Reboot" is not a syscall name/));
  assert.throws(() => parseSeccomp('mode=remove,level=3,reboot'), usage(/unknown key "level"/));
});

test('mounts need a valid volume name and an absolute target', () => {
  assert.throws(() => parseMount('volume=data'), usage(/volume=NAME,target=\/path/));
  assert.throws(() => parseMount('volume=data,target=/a,target=/b'), usage(/volume=NAME,target/));
  assert.throws(() => parseMount('volume=Data,target=/a'), usage(/volume name "Data"/));
  assert.throws(() => parseMount('volume=data,target=rel'), usage(/absolute path/));
  assert.throws(() => parseMount('volume=data,target=/a,readOnly=true'), usage(/volume=NAME,target/));
});

test('exec is an absolute path or a bare command name', () => {
  assert.equal(parseExec('/bin/sh'), '/bin/sh');
  assert.equal(parseExec('id'), 'id');
  assert.throws(() => parseExec('bin/sh'), usage(/absolute path/));
  assert.throws(() => parseExec(''), usage(/absolute path/));
});

test('environment assignments need a valid name', () => {
  assert.deepEqual(parseEnvAssignment('environment', 'JAVA_OPTS=-Xmx1g -Da=b'), ['JAVA_OPTS', '-Xmx1g -Da=b']);
  assert.deepEqual(parseEnvAssignment('environment', 'EMPTY='), ['EMPTY', '']);
  assert.throws(() => parseEnvAssignment('environment', 'NOVALUE'), usage(/NAME=VALUE/));
  assert.throws(() => parseEnvAssignment('environment', '1X=2'), usage(/NAME=VALUE/));
  assert.throws(() => parseEnvAssignment('environment', '=x'), usage(/NAME=VALUE/));
});

test('numeric options are range-checked', () => {
  assert.throws(() => appOpts('--cpu-shares=1'), usage(/--cpu-shares "1": give a whole number from 2 to 262144/));
  assert.throws(() => appOpts('--oom-score-adj=1001'), usage(/from -1000 to 1000/));
  assert.throws(() => appOpts('--oom-score-adj=1.5'), usage(/whole number/));
  assert.throws(() => appOpts('--supplementary-gids=1,x'), usage(/--supplementary-gids "x"/));
  assert.throws(() => appOpts('--memory=16m'), usage(/m means milli/));
  assert.throws(() => appOpts('--memory=100'), usage(/below 4096 bytes/));
  assert.throws(() => appOpts('--cpu=0'), usage(/above 0/));
});

test('other bad values', () => {
  assert.throws(() => appOpts('--name=Web_1'), usage(/invalid app name "Web_1"/));
  assert.throws(() => appOpts('--working-dir=srv'), usage(/absolute path/));
  assert.throws(() => appOpts('--user='), usage(/give a name or a numeric id/));
  assert.throws(() => appOpts('--readonly-rootfs=yes'), usage(/takes true or false/));
  assert.throws(() => appOpts('--exec=/a', '--exec=/b'), usage(/--exec was given twice/));
});

test('parseAppOptions refuses pod options and raw words', () => {
  assert.throws(() => parseAppOptions(['--net=host']), usage(/unexpected argument "--net=host"/));
  assert.throws(() => parseAppOptions(['img']), usage(/unexpected argument "img"/));
});
