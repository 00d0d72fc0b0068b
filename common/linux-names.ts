// Linux names shared by stage0 and stage1: stage0 checks app options against them before
// they reach a manifest (a typo in `--caps-retain` or `--seccomp errno=` should fail at
// prepare, not inside stage1), and stage1 checks isolators read from image manifests.

/** Every capability the kernel defines (include/uapi/linux/capability.h, up to 6.x). */
export const LINUX_CAPABILITIES: readonly string[] = Object.freeze([
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
]);

/**
 * errno names and their numbers on Linux (asm-generic/errno*.h; x86-64 and arm64 share
 * them). appc's seccomp `errno` is a name; an OCI seccomp profile wants the number.
 * Aliases (EWOULDBLOCK, EDEADLOCK, ENOTSUP) map to the same numbers as in libc.
 */
export const LINUX_ERRNOS: Readonly<Record<string, number>> = Object.freeze({
  EPERM: 1, ENOENT: 2, ESRCH: 3, EINTR: 4, EIO: 5, ENXIO: 6, E2BIG: 7, ENOEXEC: 8, EBADF: 9,
  ECHILD: 10, EAGAIN: 11, EWOULDBLOCK: 11, ENOMEM: 12, EACCES: 13, EFAULT: 14, ENOTBLK: 15,
  EBUSY: 16, EEXIST: 17, EXDEV: 18, ENODEV: 19, ENOTDIR: 20, EISDIR: 21, EINVAL: 22, ENFILE: 23,
  EMFILE: 24, ENOTTY: 25, ETXTBSY: 26, EFBIG: 27, ENOSPC: 28, ESPIPE: 29, EROFS: 30, EMLINK: 31,
  EPIPE: 32, EDOM: 33, ERANGE: 34, EDEADLK: 35, EDEADLOCK: 35, ENAMETOOLONG: 36, ENOLCK: 37,
  ENOSYS: 38, ENOTEMPTY: 39, ELOOP: 40, ENOMSG: 42, EIDRM: 43, ECHRNG: 44, EL2NSYNC: 45,
  EL3HLT: 46, EL3RST: 47, ELNRNG: 48, EUNATCH: 49, ENOCSI: 50, EL2HLT: 51, EBADE: 52, EBADR: 53,
  EXFULL: 54, ENOANO: 55, EBADRQC: 56, EBADSLT: 57, EBFONT: 59, ENOSTR: 60, ENODATA: 61,
  ETIME: 62, ENOSR: 63, ENONET: 64, ENOPKG: 65, EREMOTE: 66, ENOLINK: 67, EADV: 68, ESRMNT: 69,
  ECOMM: 70, EPROTO: 71, EMULTIHOP: 72, EDOTDOT: 73, EBADMSG: 74, EOVERFLOW: 75, ENOTUNIQ: 76,
  EBADFD: 77, EREMCHG: 78, ELIBACC: 79, ELIBBAD: 80, ELIBSCN: 81, ELIBMAX: 82, ELIBEXEC: 83,
  EILSEQ: 84, ERESTART: 85, ESTRPIPE: 86, EUSERS: 87, ENOTSOCK: 88, EDESTADDRREQ: 89,
  EMSGSIZE: 90, EPROTOTYPE: 91, ENOPROTOOPT: 92, EPROTONOSUPPORT: 93, ESOCKTNOSUPPORT: 94,
  EOPNOTSUPP: 95, ENOTSUP: 95, EPFNOSUPPORT: 96, EAFNOSUPPORT: 97, EADDRINUSE: 98,
  EADDRNOTAVAIL: 99, ENETDOWN: 100, ENETUNREACH: 101, ENETRESET: 102, ECONNABORTED: 103,
  ECONNRESET: 104, ENOBUFS: 105, EISCONN: 106, ENOTCONN: 107, ESHUTDOWN: 108, ETOOMANYREFS: 109,
  ETIMEDOUT: 110, ECONNREFUSED: 111, EHOSTDOWN: 112, EHOSTUNREACH: 113, EALREADY: 114,
  EINPROGRESS: 115, ESTALE: 116, EUCLEAN: 117, ENOTNAM: 118, ENAVAIL: 119, EISNAM: 120,
  EREMOTEIO: 121, EDQUOT: 122, ENOMEDIUM: 123, EMEDIUMTYPE: 124, ECANCELED: 125, ENOKEY: 126,
  EKEYEXPIRED: 127, EKEYREVOKED: 128, EKEYREJECTED: 129, EOWNERDEAD: 130, ENOTRECOVERABLE: 131,
  ERFKILL: 132, EHWPOISON: 133,
});

export function isLinuxCapability(name: string): boolean {
  return LINUX_CAPABILITIES.includes(name);
}

export function isLinuxErrno(name: string): boolean {
  return Object.hasOwn(LINUX_ERRNOS, name);
}

/** The errno number for a name (`EPERM` → 1), or undefined when Linux has no such errno. */
export function linuxErrnoNumber(name: string): number | undefined {
  return Object.hasOwn(LINUX_ERRNOS, name) ? LINUX_ERRNOS[name] : undefined;
}

/**
 * Syscall names a seccomp set may hold: every syscall of x86-64, i386 and x32 (the
 * architectures a skiff seccomp profile covers; asm/unistd_{64,32,x32}.h of Linux 6.1),
 * the ones added since up to Linux 6.17, and the few other-architecture names that Docker's
 * default profile lists (arm_*, s390_*, …), so a set copied from it still validates.
 * Names only: numbers are the runtime's (libseccomp's) business.
 */
export const LINUX_SYSCALLS: readonly string[] = Object.freeze([
  '_llseek', '_newselect', '_sysctl', 'accept', 'accept4', 'access', 'acct', 'add_key', 'adjtimex',
  'afs_syscall', 'alarm', 'arch_prctl', 'arm_fadvise64_64', 'arm_sync_file_range', 'bdflush',
  'bind', 'bpf', 'break', 'breakpoint', 'brk', 'cacheflush', 'cachestat', 'capget', 'capset',
  'chdir', 'chmod', 'chown', 'chown32', 'chroot', 'clock_adjtime', 'clock_adjtime64',
  'clock_getres', 'clock_getres_time64', 'clock_gettime', 'clock_gettime64', 'clock_nanosleep',
  'clock_nanosleep_time64', 'clock_settime', 'clock_settime64', 'clone', 'clone3', 'close',
  'close_range', 'connect', 'copy_file_range', 'creat', 'create_module', 'delete_module', 'dup',
  'dup2', 'dup3', 'epoll_create', 'epoll_create1', 'epoll_ctl', 'epoll_ctl_old', 'epoll_pwait',
  'epoll_pwait2', 'epoll_wait', 'epoll_wait_old', 'eventfd', 'eventfd2', 'execve', 'execveat',
  'exit', 'exit_group', 'faccessat', 'faccessat2', 'fadvise64', 'fadvise64_64', 'fallocate',
  'fanotify_init', 'fanotify_mark', 'fchdir', 'fchmod', 'fchmodat', 'fchmodat2', 'fchown',
  'fchown32', 'fchownat', 'fcntl', 'fcntl64', 'fdatasync', 'fgetxattr', 'file_getattr',
  'file_setattr', 'finit_module', 'flistxattr', 'flock', 'fork', 'fremovexattr', 'fsconfig',
  'fsetxattr', 'fsmount', 'fsopen', 'fspick', 'fstat', 'fstat64', 'fstatat64', 'fstatfs',
  'fstatfs64', 'fsync', 'ftime', 'ftruncate', 'ftruncate64', 'futex', 'futex_requeue',
  'futex_time64', 'futex_wait', 'futex_waitv', 'futex_wake', 'futimesat', 'get_kernel_syms',
  'get_mempolicy', 'get_robust_list', 'get_thread_area', 'getcpu', 'getcwd', 'getdents',
  'getdents64', 'getegid', 'getegid32', 'geteuid', 'geteuid32', 'getgid', 'getgid32', 'getgroups',
  'getgroups32', 'getitimer', 'getpeername', 'getpgid', 'getpgrp', 'getpid', 'getpmsg', 'getppid',
  'getpriority', 'getrandom', 'getresgid', 'getresgid32', 'getresuid', 'getresuid32', 'getrlimit',
  'getrusage', 'getsid', 'getsockname', 'getsockopt', 'gettid', 'gettimeofday', 'getuid',
  'getuid32', 'getxattr', 'getxattrat', 'gtty', 'idle', 'init_module', 'inotify_add_watch',
  'inotify_init', 'inotify_init1', 'inotify_rm_watch', 'io_cancel', 'io_destroy', 'io_getevents',
  'io_pgetevents', 'io_pgetevents_time64', 'io_setup', 'io_submit', 'io_uring_enter',
  'io_uring_register', 'io_uring_setup', 'ioctl', 'ioperm', 'iopl', 'ioprio_get', 'ioprio_set',
  'ipc', 'kcmp', 'kexec_file_load', 'kexec_load', 'keyctl', 'kill', 'landlock_add_rule',
  'landlock_create_ruleset', 'landlock_restrict_self', 'lchown', 'lchown32', 'lgetxattr', 'link',
  'linkat', 'listen', 'listmount', 'listxattr', 'listxattrat', 'llistxattr', 'lock',
  'lookup_dcookie', 'lremovexattr', 'lseek', 'lsetxattr', 'lsm_get_self_attr', 'lsm_list_modules',
  'lsm_set_self_attr', 'lstat', 'lstat64', 'madvise', 'map_shadow_stack', 'mbind', 'membarrier',
  'memfd_create', 'memfd_secret', 'migrate_pages', 'mincore', 'mkdir', 'mkdirat', 'mknod',
  'mknodat', 'mlock', 'mlock2', 'mlockall', 'mmap', 'mmap2', 'modify_ldt', 'mount', 'mount_setattr',
  'move_mount', 'move_pages', 'mprotect', 'mpx', 'mq_getsetattr', 'mq_notify', 'mq_open',
  'mq_timedreceive', 'mq_timedreceive_time64', 'mq_timedsend', 'mq_timedsend_time64', 'mq_unlink',
  'mremap', 'mseal', 'msgctl', 'msgget', 'msgrcv', 'msgsnd', 'msync', 'munlock', 'munlockall',
  'munmap', 'name_to_handle_at', 'nanosleep', 'newfstatat', 'nfsservctl', 'nice', 'oldfstat',
  'oldlstat', 'oldolduname', 'oldstat', 'olduname', 'open', 'open_by_handle_at', 'open_tree',
  'open_tree_attr', 'openat', 'openat2', 'pause', 'perf_event_open', 'personality', 'pidfd_getfd',
  'pidfd_open', 'pidfd_send_signal', 'pipe', 'pipe2', 'pivot_root', 'pkey_alloc', 'pkey_free',
  'pkey_mprotect', 'poll', 'ppoll', 'ppoll_time64', 'prctl', 'pread64', 'preadv', 'preadv2',
  'prlimit64', 'process_madvise', 'process_mrelease', 'process_vm_readv', 'process_vm_writev',
  'prof', 'profil', 'pselect6', 'pselect6_time64', 'ptrace', 'putpmsg', 'pwrite64', 'pwritev',
  'pwritev2', 'query_module', 'quotactl', 'quotactl_fd', 'read', 'readahead', 'readdir', 'readlink',
  'readlinkat', 'readv', 'reboot', 'recv', 'recvfrom', 'recvmmsg', 'recvmmsg_time64', 'recvmsg',
  'remap_file_pages', 'removexattr', 'removexattrat', 'rename', 'renameat', 'renameat2',
  'request_key', 'restart_syscall', 'riscv_flush_icache', 'rmdir', 'rseq', 'rt_sigaction',
  'rt_sigpending', 'rt_sigprocmask', 'rt_sigqueueinfo', 'rt_sigreturn', 'rt_sigsuspend',
  'rt_sigtimedwait', 'rt_sigtimedwait_time64', 'rt_tgsigqueueinfo', 's390_pci_mmio_read',
  's390_pci_mmio_write', 's390_runtime_instr', 'sched_get_priority_max', 'sched_get_priority_min',
  'sched_getaffinity', 'sched_getattr', 'sched_getparam', 'sched_getscheduler',
  'sched_rr_get_interval', 'sched_rr_get_interval_time64', 'sched_setaffinity', 'sched_setattr',
  'sched_setparam', 'sched_setscheduler', 'sched_yield', 'seccomp', 'security', 'select', 'semctl',
  'semget', 'semop', 'semtimedop', 'semtimedop_time64', 'send', 'sendfile', 'sendfile64',
  'sendmmsg', 'sendmsg', 'sendto', 'set_mempolicy', 'set_mempolicy_home_node', 'set_robust_list',
  'set_thread_area', 'set_tid_address', 'set_tls', 'setdomainname', 'setfsgid', 'setfsgid32',
  'setfsuid', 'setfsuid32', 'setgid', 'setgid32', 'setgroups', 'setgroups32', 'sethostname',
  'setitimer', 'setns', 'setpgid', 'setpriority', 'setregid', 'setregid32', 'setresgid',
  'setresgid32', 'setresuid', 'setresuid32', 'setreuid', 'setreuid32', 'setrlimit', 'setsid',
  'setsockopt', 'settimeofday', 'setuid', 'setuid32', 'setxattr', 'setxattrat', 'sgetmask', 'shmat',
  'shmctl', 'shmdt', 'shmget', 'shutdown', 'sigaction', 'sigaltstack', 'signal', 'signalfd',
  'signalfd4', 'sigpending', 'sigprocmask', 'sigreturn', 'sigsuspend', 'socket', 'socketcall',
  'socketpair', 'splice', 'ssetmask', 'stat', 'stat64', 'statfs', 'statfs64', 'statmount', 'statx',
  'stime', 'stty', 'swapcontext', 'swapoff', 'swapon', 'symlink', 'symlinkat', 'sync',
  'sync_file_range', 'sync_file_range2', 'syncfs', 'sysfs', 'sysinfo', 'syslog', 'tee', 'tgkill',
  'time', 'timer_create', 'timer_delete', 'timer_getoverrun', 'timer_gettime', 'timer_gettime64',
  'timer_settime', 'timer_settime64', 'timerfd_create', 'timerfd_gettime', 'timerfd_gettime64',
  'timerfd_settime', 'timerfd_settime64', 'times', 'tkill', 'truncate', 'truncate64', 'tuxcall',
  'ugetrlimit', 'ulimit', 'umask', 'umount', 'umount2', 'uname', 'unlink', 'unlinkat', 'unshare',
  'uselib', 'userfaultfd', 'ustat', 'utime', 'utimensat', 'utimensat_time64', 'utimes', 'vfork',
  'vhangup', 'vm86', 'vm86old', 'vmsplice', 'vserver', 'wait4', 'waitid', 'waitpid', 'write',
  'writev',
]);

const SYSCALL_SET: ReadonlySet<string> = new Set(LINUX_SYSCALLS);

export function isLinuxSyscall(name: string): boolean {
  return SYSCALL_SET.has(name);
}
