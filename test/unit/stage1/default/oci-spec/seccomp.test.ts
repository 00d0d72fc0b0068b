import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RUNTIME_SYSCALLS, buildSeccomp } from '../../../../../stage1/default/oci-spec/seccomp.ts';
import type { OciSeccomp } from '../../../../../stage1/default/oci-spec/oci-runtime-types.ts';
import { APPC_DEFAULT_CAPABILITIES } from '../../../../../stage1/default/oci-spec/capabilities.ts';
import {
  CAPABILITY_GATED_SYSCALLS,
  DEFAULT_ALLOWED_SYSCALLS,
  NEWER_SYSCALLS,
  defaultSeccompRules,
} from '../../../../../common/seccomp-default.ts';
import { LINUX_SYSCALLS, isLinuxSyscall, linuxErrnoNumber } from '../../../../../common/linux-names.ts';
import { SkiffError } from '../../../../../common/errors.ts';

const DEFAULT_CAPS: ReadonlySet<string> = new Set(APPC_DEFAULT_CAPABILITIES);

/** Whether `name` (called with no interesting arguments) is allowed outright, conditionally, or by which action it is refused. */
function fate(s: OciSeccomp, name: string): string {
  const rules = s.syscalls?.filter((r) => r.names.includes(name)) ?? [];
  if (rules.some((r) => r.action === 'SCMP_ACT_ALLOW' && r.args === undefined)) return 'allow';
  if (rules.some((r) => r.action === 'SCMP_ACT_ALLOW')) return 'allow-if-args';
  const rule = rules[0];
  if (rule) return rule.errnoRet === undefined ? rule.action : `${rule.action}/${rule.errnoRet}`;
  return s.defaultErrnoRet === undefined ? s.defaultAction : `${s.defaultAction}/${s.defaultErrnoRet}`;
}

const build = (isolator: Parameters<typeof buildSeccomp>[0], caps = DEFAULT_CAPS) => {
  const r = buildSeccomp(isolator, caps, false, 'web');
  assert.ok(r.seccomp, 'a seccomp section');
  return { seccomp: r.seccomp, warnings: r.warnings };
};

test('the name tables: every syscall of the default profile is a known name; errno names map to numbers', () => {
  const unknown = [...DEFAULT_ALLOWED_SYSCALLS, ...NEWER_SYSCALLS, ...Object.values(CAPABILITY_GATED_SYSCALLS).flat(), ...RUNTIME_SYSCALLS]
    .filter((n) => !isLinuxSyscall(n));
  assert.deepEqual(unknown, []);
  assert.equal(new Set(LINUX_SYSCALLS).size, LINUX_SYSCALLS.length, 'no duplicates');
  assert.equal(new Set(DEFAULT_ALLOWED_SYSCALLS).size, DEFAULT_ALLOWED_SYSCALLS.length, 'no duplicates');
  assert.equal(isLinuxSyscall('not_a_syscall'), false);
  assert.equal(linuxErrnoNumber('EPERM'), 1);
  assert.equal(linuxErrnoNumber('ENOSYS'), 38);
  assert.equal(linuxErrnoNumber('EWOULDBLOCK'), 11);
  assert.equal(linuxErrnoNumber('toString'), undefined);
});

test('the default profile is deny-by-default (EPERM) over x86-64 and x86 (x32 calls meet the bad-architecture action)', () => {
  const { seccomp } = build(undefined);
  assert.equal(seccomp.defaultAction, 'SCMP_ACT_ERRNO');
  assert.equal(seccomp.defaultErrnoRet, undefined, 'EPERM is what SCMP_ACT_ERRNO means without a number');
  assert.deepEqual(seccomp.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86']);
});

test('the default profile blocks what Docker blocks, and lets ordinary programs run', () => {
  const { seccomp } = build(undefined);
  for (const n of ['keyctl', 'add_key', 'request_key', 'kexec_load', 'kexec_file_load', 'userfaultfd', 'mount', 'umount2',
    'unshare', 'setns', 'pivot_root', 'bpf', 'perf_event_open', 'init_module', 'reboot', 'swapon', 'settimeofday', 'acct',
    'open_by_handle_at', 'iopl', 'vm86', '_sysctl', 'syslog', 'lookup_dcookie']) {
    assert.equal(fate(seccomp, n), 'SCMP_ACT_ERRNO', n);
  }
  for (const n of ['read', 'write', 'openat', 'execve', 'mmap', 'futex', 'epoll_wait', 'arch_prctl', 'chroot', 'ptrace']) {
    assert.equal(fate(seccomp, n), 'allow', n);
  }
  assert.equal(fate(seccomp, 'socket'), 'allow-if-args');
  assert.equal(fate(seccomp, 'personality'), 'allow-if-args');
  assert.equal(fate(seccomp, 'clone'), 'allow-if-args');
  assert.equal(fate(seccomp, 'clone3'), 'SCMP_ACT_ERRNO/38', 'libc falls back to clone()');
  assert.equal(fate(seccomp, 'fchmodat2'), 'SCMP_ACT_ERRNO/38', 'newer syscalls: ENOSYS so that libc falls back');
});

test("the argument rules are Docker's: no AF_VSOCK socket, five personalities, clone without namespace flags", () => {
  const rules = defaultSeccompRules(DEFAULT_CAPS);
  assert.deepEqual(rules.find((r) => r.names.includes('socket'))?.args, [{ index: 0, value: 40, op: 'SCMP_CMP_NE' }]);
  const personalities = rules.filter((r) => r.names.includes('personality')).map((r) => r.args?.[0]?.value);
  assert.deepEqual(personalities, [0, 8, 0x20000, 0x20008, 0xffffffff]);
  const clone = rules.find((r) => r.names.includes('clone'));
  assert.deepEqual(clone?.args, [{ index: 0, value: 0x7e020000, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }]);
});

test('capability-gated syscalls follow the bounding set', () => {
  const admin = build(undefined, new Set([...APPC_DEFAULT_CAPABILITIES, 'CAP_SYS_ADMIN', 'CAP_SYS_TIME'])).seccomp;
  for (const n of ['mount', 'umount2', 'unshare', 'setns', 'clone', 'clone3', 'settimeofday', 'clock_settime']) {
    assert.equal(fate(admin, n), 'allow', n);
  }
  const none = build(undefined, new Set()).seccomp;
  assert.equal(fate(none, 'chroot'), 'SCMP_ACT_ERRNO', 'no CAP_SYS_CHROOT, no chroot');
});

test('the default profile never names a syscall in two rules of different actions', () => {
  for (const caps of [DEFAULT_CAPS, new Set(['CAP_SYS_ADMIN', 'CAP_SYSLOG', 'CAP_BPF', 'CAP_SYS_PTRACE'])]) {
    const byName = new Map<string, Set<string>>();
    for (const r of defaultSeccompRules(caps)) {
      for (const n of r.names) byName.set(n, (byName.get(n) ?? new Set()).add(`${r.action}/${r.errnoRet}`));
    }
    assert.deepEqual([...byName].filter(([, actions]) => actions.size > 1), []);
  }
});

test('remove set: the default profile minus the set, which gets the isolator errno', () => {
  const { seccomp } = build({ mode: 'remove', set: ['chown', 'clone3', 'mount'], errno: 'ENOSYS' });
  assert.equal(seccomp.defaultAction, 'SCMP_ACT_ERRNO');
  assert.equal(fate(seccomp, 'chown'), 'SCMP_ACT_ERRNO/38');
  assert.equal(fate(seccomp, 'mount'), 'SCMP_ACT_ERRNO/38');
  assert.equal(fate(seccomp, 'fchown'), 'allow', 'only what is named');
  assert.equal(fate(seccomp, 'keyctl'), 'SCMP_ACT_ERRNO', 'the rest of the profile stays');
  assert.equal(seccomp.syscalls?.filter((r) => r.names.includes('clone3')).length, 1, 'clone3 moved, not doubled');
});

test('remove set without errno kills the app (appc); with EPERM it only leaves the allow-list', () => {
  const kill = build({ mode: 'remove', set: ['chown'] }).seccomp;
  assert.equal(fate(kill, 'chown'), 'SCMP_ACT_KILL_PROCESS');
  const eperm = build({ mode: 'remove', set: ['chown'], errno: 'EPERM' }).seccomp;
  assert.equal(fate(eperm, 'chown'), 'SCMP_ACT_ERRNO');
  assert.ok(!eperm.syscalls?.some((r) => r.names.includes('chown')), 'no rule repeating the default action');
});

test('remove set wildcards: @appc.io/empty masks the rest; the default blacklist gets the isolator action', () => {
  const empty = build({ mode: 'remove', set: ['@appc.io/empty', 'chown'] }).seccomp;
  assert.deepEqual(empty, build(undefined).seccomp);
  const black = build({ mode: 'remove', set: ['@docker/default-blacklist'], errno: 'ENOSYS' }).seccomp;
  assert.equal(fate(black, 'keyctl'), 'SCMP_ACT_ERRNO/38');
  assert.equal(fate(black, 'read'), 'allow');
});

test('retain set: only the set and the runtime minimum, the rest gets the isolator errno', () => {
  const { seccomp } = build({ mode: 'retain', set: ['read', 'write', 'brk'], errno: 'ENOSYS' });
  assert.equal(seccomp.defaultAction, 'SCMP_ACT_ERRNO');
  assert.equal(seccomp.defaultErrnoRet, 38);
  assert.deepEqual(seccomp.syscalls, [{ names: [...new Set(['read', 'write', 'brk', ...RUNTIME_SYSCALLS])].sort(), action: 'SCMP_ACT_ALLOW' }]);
  assert.equal(fate(seccomp, 'socket'), 'SCMP_ACT_ERRNO/38');
});

test('retain set without errno kills; @appc.io/empty leaves only the runtime minimum', () => {
  const { seccomp } = build({ mode: 'retain', set: ['@appc.io/empty'] });
  assert.equal(seccomp.defaultAction, 'SCMP_ACT_KILL_PROCESS');
  assert.deepEqual(seccomp.syscalls?.[0]?.names, [...RUNTIME_SYSCALLS].sort());
});

test('retain set with the default whitelist keeps its argument rules and allows listed names outright', () => {
  const { seccomp } = build({ mode: 'retain', set: ['@rkt/default-whitelist', 'clone', 'keyctl'], errno: 'ENOSYS' });
  assert.equal(fate(seccomp, 'clone'), 'allow', 'named on its own: allowed whatever its flags');
  assert.equal(fate(seccomp, 'keyctl'), 'allow');
  assert.equal(fate(seccomp, 'socket'), 'allow-if-args');
  assert.equal(fate(seccomp, 'mount'), 'SCMP_ACT_ERRNO/38');
  assert.ok(!seccomp.syscalls?.some((r) => r.action === 'SCMP_ACT_ERRNO' && r.errnoRet === 38), 'rules equal to the default action are left out');
});

test('retain set with @appc.io/all, and insecure seccomp, give no filter', () => {
  assert.equal(buildSeccomp({ mode: 'retain', set: ['@appc.io/all', 'read'] }, DEFAULT_CAPS, false, 'web').seccomp, undefined);
  assert.equal(buildSeccomp({ mode: 'remove', set: ['read'] }, DEFAULT_CAPS, true, 'web').seccomp, undefined);
  assert.equal(buildSeccomp(undefined, DEFAULT_CAPS, true, 'web').seccomp, undefined);
});

test('unknown syscall names and groups are warnings', () => {
  const { seccomp, warnings } = build({ mode: 'retain', set: ['read', 'bogus_call', '@systemd/clock'] });
  assert.ok(!seccomp.syscalls?.some((r) => r.names.includes('bogus_call')));
  assert.deepEqual(warnings, [
    'app web: bogus_call is not a Linux syscall; ignored in its seccomp-retain-set',
    'app web: seccomp group @systemd/clock is not known to skiff; ignored in its seccomp-retain-set',
  ]);
});

test('an errno that Linux does not have is an error', () => {
  assert.throws(
    () => buildSeccomp({ mode: 'remove', set: ['read'], errno: 'EBOGUS' }, DEFAULT_CAPS, false, 'web'),
    (err: unknown) => err instanceof SkiffError && err.code === 'POD_MANIFEST_INVALID' && /EBOGUS/.test(err.message),
  );
});
