// The app's OCI seccomp section, from its seccomp isolator (if any) and bounding set.
//
// - No isolator: the default profile (common/seccomp-default.ts, Docker's), blocked
//   syscalls fail with EPERM.
// - os/linux/seccomp-remove-set: the default profile minus the set, so an app is never
//   less confined than the default (appc lets the remove set be "augmented by an
//   implementation-specific default blacklist"). The removed syscalls get the isolator's
//   errno, or kill the app with SIGSYS when it names none (appc); the rest of the default
//   profile keeps EPERM.
// - os/linux/seccomp-retain-set: only the set, plus RUNTIME_SYSCALLS, the "minimum set of
//   syscalls required for app life-cycle" appc allows; everything else gets the isolator's
//   errno, or SIGSYS.
// - `--insecure-options=seccomp`, or `@appc.io/all` in a retain set: no filter at all.
//
// Wildcards: `@appc.io/all`, `@appc.io/empty` (appc), `@docker/default-whitelist` and
// `@rkt/default-whitelist` (the default profile, with its argument rules), and
// `@docker/default-blacklist` / `@rkt/default-blacklist` (every known syscall the default
// profile does not allow). Unknown wildcards and syscall names are warnings.
import { SkiffError } from '../../../common/errors.ts';
import { LINUX_SYSCALLS, isLinuxSyscall, linuxErrnoNumber } from '../../../common/linux-names.ts';
import { DEFAULT_SECCOMP_ERRNO, SECCOMP_ARCHITECTURES, defaultSeccompRules } from '../../../common/seccomp-default.ts';
import type { OciSeccompRule } from '../../../common/seccomp-default.ts';
import type { SeccompIsolator } from './isolators.ts';
import type { OciSeccomp, SeccompAction } from './oci-runtime-types.ts';

/**
 * What a retain set always allows: the OCI runtime loads the filter before its last steps
 * (runc, without no-new-privileges: before setgroups/setresuid/capset and the working
 * directory; with it: just before execve), its Go runtime keeps running until execve, and
 * the app must be able to exit and return from signal handlers. Checked against runc 1.1.
 */
export const RUNTIME_SYSCALLS: readonly string[] = Object.freeze([
  // the exec and the app's life cycle
  'execve', 'exit', 'exit_group', 'rt_sigreturn', 'restart_syscall',
  // setting up the user, capabilities and working directory after the filter is loaded
  'capget', 'capset', 'prctl', 'setgroups', 'setresgid', 'setresuid', 'setgid', 'setuid', 'chdir', 'fchdir',
  'getcwd', 'getdents64', 'openat', 'close', 'close_range', 'fcntl', 'fstat', 'fstatfs', 'newfstatat',
  'faccessat', 'faccessat2', 'read', 'write',
  // the runtime's own (Go) threads until execve
  'futex', 'nanosleep', 'sched_yield', 'getpid', 'getppid', 'gettid', 'tgkill', 'rt_sigaction', 'rt_sigprocmask',
  'sigaltstack', 'mmap', 'munmap', 'madvise', 'mprotect', 'epoll_ctl', 'epoll_pwait',
]);

const DEFAULT_WHITELISTS = new Set(['@docker/default-whitelist', '@rkt/default-whitelist']);
const DEFAULT_BLACKLISTS = new Set(['@docker/default-blacklist', '@rkt/default-blacklist']);
const ALL = '@appc.io/all';
const EMPTY = '@appc.io/empty';

export interface SeccompResult {
  seccomp: OciSeccomp | undefined;
  warnings: string[];
}

interface Blocking {
  action: SeccompAction;
  errnoRet?: number;
}

interface ExpandedSet {
  names: Set<string>;
  all: boolean;
  empty: boolean;
  defaultWhitelist: boolean;
}

function blockingOf(isolator: SeccompIsolator, appName: string): Blocking {
  if (isolator.errno === undefined) return { action: 'SCMP_ACT_KILL_PROCESS' };
  const errnoRet = linuxErrnoNumber(isolator.errno);
  if (errnoRet === undefined) {
    throw new SkiffError('POD_MANIFEST_INVALID', `app ${appName}: seccomp errno ${JSON.stringify(isolator.errno)} is not a Linux errno name`, {
      hint: 'use a name from errno(3) such as EPERM or ENOSYS',
    });
  }
  return { action: 'SCMP_ACT_ERRNO', errnoRet };
}

/** Syscall names allowed by some rule of `rules`: for any arguments, or (`outright`) for all. */
function allowedBy(rules: readonly OciSeccompRule[], outright = false): Set<string> {
  const allowing = rules.filter((r) => r.action === 'SCMP_ACT_ALLOW' && !(outright && r.args !== undefined));
  return new Set(allowing.flatMap((r) => r.names));
}

function expandSet(isolator: SeccompIsolator, caps: ReadonlySet<string>, appName: string, warnings: string[]): ExpandedSet {
  const out: ExpandedSet = { names: new Set(), all: false, empty: false, defaultWhitelist: false };
  const where = `its seccomp-${isolator.mode}-set`;
  for (const entry of isolator.set) {
    if (entry === ALL) out.all = true;
    else if (entry === EMPTY) out.empty = true;
    else if (DEFAULT_WHITELISTS.has(entry)) out.defaultWhitelist = true;
    else if (DEFAULT_BLACKLISTS.has(entry)) {
      const allowed = allowedBy(defaultSeccompRules(caps));
      for (const n of LINUX_SYSCALLS) if (!allowed.has(n)) out.names.add(n);
    } else if (entry.startsWith('@')) warnings.push(`app ${appName}: seccomp group ${entry} is not known to skiff; ignored in ${where}`);
    else if (isLinuxSyscall(entry)) out.names.add(entry);
    else warnings.push(`app ${appName}: ${entry} is not a Linux syscall; ignored in ${where}`);
  }
  return out;
}

/** `rules` with `names` taken out of every rule; rules left with no names are dropped. */
function withoutNames(rules: readonly OciSeccompRule[], names: ReadonlySet<string>): OciSeccompRule[] {
  return rules
    .map((r) => ({ ...r, names: r.names.filter((n) => !names.has(n)) }))
    .filter((r) => r.names.length > 0);
}

function sameAction(a: Blocking, b: Blocking): boolean {
  const errno = (x: Blocking) => (x.action === 'SCMP_ACT_ERRNO' ? (x.errnoRet ?? DEFAULT_SECCOMP_ERRNO) : undefined);
  return a.action === b.action && errno(a) === errno(b);
}

/** The section, leaving out rules that repeat the default action (libseccomp refuses them). */
function section(defaultAction: Blocking, rules: readonly OciSeccompRule[]): OciSeccomp {
  const out: OciSeccomp = { defaultAction: defaultAction.action };
  // EPERM is what SCMP_ACT_ERRNO means without a number (runc, crun), and 1.0.2 has no field for it.
  if (defaultAction.errnoRet !== undefined && defaultAction.errnoRet !== DEFAULT_SECCOMP_ERRNO) {
    out.defaultErrnoRet = defaultAction.errnoRet;
  }
  out.architectures = [...SECCOMP_ARCHITECTURES];
  out.syscalls = rules.filter((r) => !sameAction(r, defaultAction));
  return out;
}

function blockRule(names: ReadonlySet<string>, blocking: Blocking): OciSeccompRule {
  const rule: OciSeccompRule = { names: [...names].sort(), action: blocking.action };
  if (blocking.errnoRet !== undefined) rule.errnoRet = blocking.errnoRet;
  return rule;
}

const DEFAULT_BLOCKING: Blocking = { action: 'SCMP_ACT_ERRNO' };

function removeSet(isolator: SeccompIsolator, caps: ReadonlySet<string>, appName: string, warnings: string[]): OciSeccomp {
  const set = expandSet(isolator, caps, appName, warnings);
  const base = defaultSeccompRules(caps);
  // appc: in a remove set, @appc.io/empty "masks all other values": the default profile alone.
  if (set.empty) return section(DEFAULT_BLOCKING, base);
  const removed = set.all ? new Set(LINUX_SYSCALLS) : set.names;
  if (removed.size === 0) return section(DEFAULT_BLOCKING, base);
  return section(DEFAULT_BLOCKING, [...withoutNames(base, removed), blockRule(removed, blockingOf(isolator, appName))]);
}

function retainSet(isolator: SeccompIsolator, caps: ReadonlySet<string>, appName: string, warnings: string[]): OciSeccomp | undefined {
  const set = expandSet(isolator, caps, appName, warnings);
  // appc: in a retain set, @appc.io/all "masks all other values" and opts out of filtering.
  if (set.all) return undefined;
  const blocking = blockingOf(isolator, appName);
  if (set.defaultWhitelist) {
    // The default profile with its argument rules, plus the names listed on their own (and
    // the runtime's), allowed outright: appc says a listed syscall MUST NOT be blocked.
    const base = defaultSeccompRules(caps);
    const outright = allowedBy(base, true);
    const extra = new Set([...set.names, ...RUNTIME_SYSCALLS].filter((n) => !outright.has(n)));
    if (extra.size === 0) return section(blocking, base);
    return section(blocking, [...withoutNames(base, extra), { names: [...extra].sort(), action: 'SCMP_ACT_ALLOW' }]);
  }
  const allowed = new Set([...set.names, ...RUNTIME_SYSCALLS]);
  return section(blocking, [{ names: [...allowed].sort(), action: 'SCMP_ACT_ALLOW' }]);
}

/** The seccomp section for an app with this isolator and bounding set, or none. */
export function buildSeccomp(
  isolator: SeccompIsolator | undefined,
  caps: ReadonlySet<string>,
  insecure: boolean,
  appName: string,
): SeccompResult {
  const warnings: string[] = [];
  if (insecure) return { seccomp: undefined, warnings };
  if (isolator === undefined) return { seccomp: section(DEFAULT_BLOCKING, defaultSeccompRules(caps)), warnings };
  const seccomp = isolator.mode === 'remove' ? removeSet(isolator, caps, appName, warnings) : retainSet(isolator, caps, appName, warnings);
  return { seccomp, warnings };
}
