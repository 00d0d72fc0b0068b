// skiff's default seccomp profile: Docker's default profile (moby profiles/seccomp/
// default.json) restated for the x86 family, in the OCI runtime-spec rule shape. An app
// with no seccomp isolator gets exactly this; `os/linux/seccomp-remove-set` takes syscalls
// out of it and `@docker/default-whitelist` / `@rkt/default-whitelist` name it.
//
// Kept from Docker: the allow-list; the argument rules (socket() refuses AF_VSOCK, the
// five personality() values, clone() without namespace flags); the capability-gated groups
// (e.g. mount and unshare only with CAP_SYS_ADMIN, chroot with CAP_SYS_CHROOT), resolved
// against the app's bounding set; clone3 answering ENOSYS without CAP_SYS_ADMIN, so libc
// falls back to clone(), where the flags rule applies.
// Simplified: architecture-gated rules are resolved here for x86-64/x86 (arch_prctl and
// modify_ldt in, arm/s390/ppc/riscv rules out; clone's flags are argument 0, not s390's 1);
// Docker's `minKernel: 4.8` gate on ptrace is dropped because Node 22+ needs a newer kernel
// anyway. Added: syscalls newer than the profile answer ENOSYS instead of EPERM, so libc's
// fallbacks (fchmodat2 → fchmodat, …) work (runc issue #2151).
export type SeccompAction =
  | 'SCMP_ACT_KILL'
  | 'SCMP_ACT_KILL_PROCESS'
  | 'SCMP_ACT_TRAP'
  | 'SCMP_ACT_ERRNO'
  | 'SCMP_ACT_TRACE'
  | 'SCMP_ACT_ALLOW'
  | 'SCMP_ACT_LOG';

export type SeccompOperator =
  | 'SCMP_CMP_NE'
  | 'SCMP_CMP_LT'
  | 'SCMP_CMP_LE'
  | 'SCMP_CMP_EQ'
  | 'SCMP_CMP_GE'
  | 'SCMP_CMP_GT'
  | 'SCMP_CMP_MASKED_EQ';

export type SeccompArchitecture = 'SCMP_ARCH_X86_64' | 'SCMP_ARCH_X86' | 'SCMP_ARCH_X32';

/** OCI `linux.seccomp.syscalls[].args[]`. */
export interface OciSeccompArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: SeccompOperator;
}

/** OCI `linux.seccomp.syscalls[]`. */
export interface OciSeccompRule {
  names: string[];
  action: SeccompAction;
  errnoRet?: number;
  args?: OciSeccompArg[];
}

/**
 * x86-64 hosts run x86-64 and i386 binaries: the filter covers both ABIs. Not x32 (Docker
 * lists it): its system calls meet the filter's bad-architecture action and are refused. x32
 * programs are all but extinct (Debian's kernels leave the ABI off unless booted with
 * syscall.x32=y), while compiling the rules for a third ABI costs libseccomp ~7 ms of every
 * app's start (docs/benchmarks.md).
 */
export const SECCOMP_ARCHITECTURES: readonly SeccompArchitecture[] = Object.freeze(['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86']);

/** Syscalls the default profile allows whatever the app's capabilities (Docker's first group). */
export const DEFAULT_ALLOWED_SYSCALLS: readonly string[] = Object.freeze([
  '_llseek', '_newselect', 'accept', 'accept4', 'access', 'adjtimex', 'alarm', 'arch_prctl', 'bind', 'brk',
  'capget', 'capset', 'chdir', 'chmod', 'chown', 'chown32', 'clock_adjtime', 'clock_adjtime64',
  'clock_getres', 'clock_getres_time64', 'clock_gettime', 'clock_gettime64', 'clock_nanosleep',
  'clock_nanosleep_time64', 'close', 'close_range', 'connect', 'copy_file_range', 'creat', 'dup', 'dup2',
  'dup3', 'epoll_create', 'epoll_create1', 'epoll_ctl', 'epoll_ctl_old', 'epoll_pwait', 'epoll_pwait2',
  'epoll_wait', 'epoll_wait_old', 'eventfd', 'eventfd2', 'execve', 'execveat', 'exit', 'exit_group',
  'faccessat', 'faccessat2', 'fadvise64', 'fadvise64_64', 'fallocate', 'fanotify_mark', 'fchdir', 'fchmod',
  'fchmodat', 'fchown', 'fchown32', 'fchownat', 'fcntl', 'fcntl64', 'fdatasync', 'fgetxattr', 'flistxattr',
  'flock', 'fork', 'fremovexattr', 'fsetxattr', 'fstat', 'fstat64', 'fstatat64', 'fstatfs', 'fstatfs64',
  'fsync', 'ftruncate', 'ftruncate64', 'futex', 'futex_time64', 'futex_waitv', 'futimesat', 'get_robust_list',
  'get_thread_area', 'getcpu', 'getcwd', 'getdents', 'getdents64', 'getegid', 'getegid32', 'geteuid',
  'geteuid32', 'getgid', 'getgid32', 'getgroups', 'getgroups32', 'getitimer', 'getpeername', 'getpgid',
  'getpgrp', 'getpid', 'getppid', 'getpriority', 'getrandom', 'getresgid', 'getresgid32', 'getresuid',
  'getresuid32', 'getrlimit', 'getrusage', 'getsid', 'getsockname', 'getsockopt', 'gettid', 'gettimeofday',
  'getuid', 'getuid32', 'getxattr', 'inotify_add_watch', 'inotify_init', 'inotify_init1', 'inotify_rm_watch',
  'io_cancel', 'io_destroy', 'io_getevents', 'io_pgetevents', 'io_pgetevents_time64', 'io_setup', 'io_submit',
  'io_uring_enter', 'io_uring_register', 'io_uring_setup', 'ioctl', 'ioprio_get', 'ioprio_set', 'ipc', 'kill',
  'landlock_add_rule', 'landlock_create_ruleset', 'landlock_restrict_self', 'lchown', 'lchown32', 'lgetxattr',
  'link', 'linkat', 'listen', 'listxattr', 'llistxattr', 'lremovexattr', 'lseek', 'lsetxattr', 'lstat',
  'lstat64', 'madvise', 'membarrier', 'memfd_create', 'memfd_secret', 'mincore', 'mkdir', 'mkdirat', 'mknod',
  'mknodat', 'mlock', 'mlock2', 'mlockall', 'mmap', 'mmap2', 'modify_ldt', 'mprotect', 'mq_getsetattr',
  'mq_notify', 'mq_open', 'mq_timedreceive', 'mq_timedreceive_time64', 'mq_timedsend', 'mq_timedsend_time64',
  'mq_unlink', 'mremap', 'msgctl', 'msgget', 'msgrcv', 'msgsnd', 'msync', 'munlock', 'munlockall', 'munmap',
  'name_to_handle_at', 'nanosleep', 'newfstatat', 'open', 'openat', 'openat2', 'pause', 'pidfd_open',
  'pidfd_send_signal', 'pipe', 'pipe2', 'pkey_alloc', 'pkey_free', 'pkey_mprotect', 'poll', 'ppoll',
  'ppoll_time64', 'prctl', 'pread64', 'preadv', 'preadv2', 'prlimit64', 'process_mrelease',
  'process_vm_readv', 'process_vm_writev', 'pselect6', 'pselect6_time64', 'ptrace', 'pwrite64', 'pwritev',
  'pwritev2', 'read', 'readahead', 'readlink', 'readlinkat', 'readv', 'recv', 'recvfrom', 'recvmmsg',
  'recvmmsg_time64', 'recvmsg', 'remap_file_pages', 'removexattr', 'rename', 'renameat', 'renameat2',
  'restart_syscall', 'rmdir', 'rseq', 'rt_sigaction', 'rt_sigpending', 'rt_sigprocmask', 'rt_sigqueueinfo',
  'rt_sigreturn', 'rt_sigsuspend', 'rt_sigtimedwait', 'rt_sigtimedwait_time64', 'rt_tgsigqueueinfo',
  'sched_get_priority_max', 'sched_get_priority_min', 'sched_getaffinity', 'sched_getattr', 'sched_getparam',
  'sched_getscheduler', 'sched_rr_get_interval', 'sched_rr_get_interval_time64', 'sched_setaffinity',
  'sched_setattr', 'sched_setparam', 'sched_setscheduler', 'sched_yield', 'seccomp', 'select', 'semctl',
  'semget', 'semop', 'semtimedop', 'semtimedop_time64', 'send', 'sendfile', 'sendfile64', 'sendmmsg',
  'sendmsg', 'sendto', 'set_robust_list', 'set_thread_area', 'set_tid_address', 'setfsgid', 'setfsgid32',
  'setfsuid', 'setfsuid32', 'setgid', 'setgid32', 'setgroups', 'setgroups32', 'setitimer', 'setpgid',
  'setpriority', 'setregid', 'setregid32', 'setresgid', 'setresgid32', 'setresuid', 'setresuid32',
  'setreuid', 'setreuid32', 'setrlimit', 'setsid', 'setsockopt', 'setuid', 'setuid32', 'setxattr', 'shmat',
  'shmctl', 'shmdt', 'shmget', 'shutdown', 'sigaltstack', 'signalfd', 'signalfd4', 'sigprocmask',
  'sigreturn', 'socketcall', 'socketpair', 'splice', 'stat', 'stat64', 'statfs', 'statfs64', 'statx',
  'symlink', 'symlinkat', 'sync', 'sync_file_range', 'syncfs', 'sysinfo', 'tee', 'tgkill', 'time',
  'timer_create', 'timer_delete', 'timer_getoverrun', 'timer_gettime', 'timer_gettime64', 'timer_settime',
  'timer_settime64', 'timerfd_create', 'timerfd_gettime', 'timerfd_gettime64', 'timerfd_settime',
  'timerfd_settime64', 'times', 'tkill', 'truncate', 'truncate64', 'ugetrlimit', 'umask', 'uname', 'unlink',
  'unlinkat', 'utime', 'utimensat', 'utimensat_time64', 'utimes', 'vfork', 'vmsplice', 'wait4', 'waitid',
  'waitpid', 'write', 'writev',
]);

/** Syscalls allowed only while the app's bounding set holds a capability (Docker's `includes.caps`). */
export const CAPABILITY_GATED_SYSCALLS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  CAP_DAC_READ_SEARCH: ['open_by_handle_at'],
  CAP_SYS_ADMIN: [
    'bpf', 'clone', 'clone3', 'fanotify_init', 'fsconfig', 'fsmount', 'fsopen', 'fspick', 'lookup_dcookie',
    'mount', 'mount_setattr', 'move_mount', 'open_tree', 'perf_event_open', 'quotactl', 'quotactl_fd',
    'setdomainname', 'sethostname', 'setns', 'syslog', 'umount', 'umount2', 'unshare',
  ],
  CAP_SYS_BOOT: ['reboot'],
  CAP_SYS_CHROOT: ['chroot'],
  CAP_SYS_MODULE: ['delete_module', 'init_module', 'finit_module'],
  CAP_SYS_PACCT: ['acct'],
  CAP_SYS_PTRACE: ['kcmp', 'pidfd_getfd', 'process_madvise', 'process_vm_readv', 'process_vm_writev', 'ptrace'],
  CAP_SYS_RAWIO: ['iopl', 'ioperm'],
  CAP_SYS_TIME: ['settimeofday', 'stime', 'clock_settime', 'clock_settime64'],
  CAP_SYS_TTY_CONFIG: ['vhangup'],
  CAP_SYS_NICE: ['get_mempolicy', 'mbind', 'set_mempolicy', 'set_mempolicy_home_node'],
  CAP_SYSLOG: ['syslog'],
  CAP_BPF: ['bpf'],
  CAP_PERFMON: ['perf_event_open'],
});

/**
 * Syscalls Linux added after the profile was written (6.5–6.17). They stay blocked, but with
 * ENOSYS: libc probes them and falls back on ENOSYS only, so EPERM would break fchmodat(),
 * futex waits… in new libcs.
 */
export const NEWER_SYSCALLS: readonly string[] = Object.freeze([
  'cachestat', 'fchmodat2', 'map_shadow_stack', 'futex_wake', 'futex_wait', 'futex_requeue', 'statmount',
  'listmount', 'lsm_get_self_attr', 'lsm_set_self_attr', 'lsm_list_modules', 'mseal', 'setxattrat',
  'getxattrat', 'listxattrat', 'removexattrat', 'open_tree_attr', 'file_getattr', 'file_setattr',
]);

const EPERM = 1;
const ENOSYS = 38;
/** AF_VSOCK: Docker keeps containers off the host's vsock. */
const AF_VSOCK = 40;
/** CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET. */
const CLONE_NAMESPACE_FLAGS = 0x7e020000;
/** PER_LINUX, PER_LINUX32, UNAME26, UNAME26|PER_LINUX32, and 0xffffffff (query the persona). */
const PERSONALITY_VALUES: readonly number[] = [0x0, 0x8, 0x20000, 0x20008, 0xffffffff];

export const DEFAULT_SECCOMP_ERRNO = EPERM;

function allow(names: readonly string[], args?: OciSeccompArg[]): OciSeccompRule {
  return args === undefined ? { names: [...names], action: 'SCMP_ACT_ALLOW' } : { names: [...names], action: 'SCMP_ACT_ALLOW', args };
}

/**
 * The default profile's rules for an app whose bounding set is `caps`: the allow-list, the
 * argument rules, the capability-gated groups, then the ENOSYS rules. Rules whose action is
 * the default action (ERRNO/EPERM) are never listed: libseccomp refuses them.
 */
export function defaultSeccompRules(caps: ReadonlySet<string>): OciSeccompRule[] {
  const rules: OciSeccompRule[] = [allow(DEFAULT_ALLOWED_SYSCALLS)];
  rules.push(allow(['socket'], [{ index: 0, value: AF_VSOCK, op: 'SCMP_CMP_NE' }]));
  for (const value of PERSONALITY_VALUES) rules.push(allow(['personality'], [{ index: 0, value, op: 'SCMP_CMP_EQ' }]));
  const gated = new Set<string>();
  for (const [cap, names] of Object.entries(CAPABILITY_GATED_SYSCALLS)) {
    if (caps.has(cap)) for (const n of names) gated.add(n);
  }
  // Already allowed above (Docker lists ptrace & co twice: unconditionally and under CAP_SYS_PTRACE).
  for (const n of DEFAULT_ALLOWED_SYSCALLS) gated.delete(n);
  if (gated.size > 0) rules.push(allow([...gated].sort()));
  if (!caps.has('CAP_SYS_ADMIN')) {
    // With a namespace flag set, clone() falls to the default action (EPERM).
    rules.push(allow(['clone'], [{ index: 0, value: CLONE_NAMESPACE_FLAGS, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }]));
    // clone3 passes its flags in memory, out of seccomp's reach: refuse it as "not there".
    rules.push({ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS });
  }
  rules.push({ names: [...NEWER_SYSCALLS], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS });
  return rules;
}
