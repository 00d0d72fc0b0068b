// appc isolators (spec/ace.md "Isolators") → typed values the OCI translation can use.
// A known isolator with a malformed value is an error: running without a limit the user
// asked for is worse than not running. An isolator the default stage1 does not implement
// is a warning (appc: an executor MAY ignore isolators but MUST say which), never dropped
// silently. Names and value shapes are the ones stage0/pod/app-isolators.ts writes.
import type { Isolator } from '../../../common/appc-types.ts';
import { SkiffError } from '../../../common/errors.ts';
import { ISOLATOR_NAMES } from '../../../common/isolator-names.ts';
import { parseMillicores, parseSize } from '../../../common/size.ts';

/** The appc isolator names, shared with stage0 (common/isolator-names.ts). */
export const ISOLATOR = ISOLATOR_NAMES;

export interface CapsIsolator {
  mode: 'retain' | 'remove';
  /** Upper-case `CAP_*` names, as written (checked against the kernel's list later). */
  set: string[];
}

export interface SeccompIsolator {
  mode: 'retain' | 'remove';
  /** Syscall names and `@scope/group` wildcards, as written. */
  set: string[];
  /** Upper-case errno name; absent means blocked syscalls kill the app with SIGSYS (appc). */
  errno?: string;
}

export interface AppIsolators {
  memoryLimit?: number;
  cpuMillicores?: number;
  cpuShares?: number;
  oomScoreAdj?: number;
  caps?: CapsIsolator;
  seccomp?: SeccompIsolator;
  noNewPrivileges?: boolean;
}

export interface ParsedIsolators {
  isolators: AppIsolators;
  warnings: string[];
}

function invalid(name: string, what: string): SkiffError {
  return new SkiffError('POD_MANIFEST_INVALID', `isolator ${name}: ${what}`, {
    hint: 'fix the isolator in the image manifest or override it on the command line',
  });
}

function objectValue(name: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(name, 'its value must be an object');
  return value as Record<string, unknown>;
}

function integerValue(name: string, value: unknown, min: number, max: number): number {
  const n = typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw invalid(name, `give a whole number from ${min} to ${max}, not ${JSON.stringify(value)}`);
  }
  return n;
}

/** A quantity as a string ("128M", "500m") or a plain JSON number, through `parse`. */
function quantity(name: string, value: unknown, parse: (s: string) => number): number {
  if (typeof value !== 'string' && typeof value !== 'number') throw invalid(name, 'its limit must be a string such as "128M"');
  try {
    return parse(String(value));
  } catch (err) {
    throw invalid(name, err instanceof Error ? err.message : String(err));
  }
}

function limitOf(name: string, value: unknown): unknown {
  const v = objectValue(name, value);
  if (v['limit'] === undefined) throw invalid(name, 'it has no limit');
  return v['limit'];
}

function stringSet(name: string, value: unknown): string[] {
  const v = objectValue(name, value);
  const set = v['set'];
  if (!Array.isArray(set) || set.length === 0 || !set.every((s) => typeof s === 'string' && s !== '')) {
    throw invalid(name, 'its set must be a non-empty list of names');
  }
  return [...new Set(set as string[])];
}

function capsValue(name: string, value: unknown, mode: CapsIsolator['mode']): CapsIsolator {
  // appc writes CAP_NET_ADMIN; accept the lower-case and prefix-less spellings stage0 accepts.
  const set = stringSet(name, value).map((c) => {
    const upper = c.toUpperCase();
    return upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
  });
  return { mode, set: [...new Set(set)] };
}

function seccompValue(name: string, value: unknown, mode: SeccompIsolator['mode']): SeccompIsolator {
  const set = stringSet(name, value);
  const errno = objectValue(name, value)['errno'];
  // appc: a missing or empty errno means "kill with SIGSYS".
  if (errno === undefined || errno === '') return { mode, set };
  if (typeof errno !== 'string') throw invalid(name, 'its errno must be an errno name such as "EPERM"');
  return { mode, set, errno: errno.toUpperCase() };
}

type Apply = (out: AppIsolators, name: string, value: unknown) => void;

/** One entry per isolator the default stage1 implements; a name missing here is a warning. */
const APPLY: Readonly<Record<string, Apply>> = {
  [ISOLATOR.memory]: (out, name, value) => {
    out.memoryLimit = quantity(name, limitOf(name, value), parseSize);
  },
  [ISOLATOR.cpu]: (out, name, value) => {
    // A JSON number is cores (1.5), as the string "1.5" would be.
    out.cpuMillicores = quantity(name, limitOf(name, value), parseMillicores);
  },
  // The kernel's own bounds for cpu.shares (sched_prio_to_weight: MIN_SHARES..MAX_SHARES).
  [ISOLATOR.cpuShares]: (out, name, value) => {
    out.cpuShares = integerValue(name, value, 2, 262144);
  },
  [ISOLATOR.oomScoreAdj]: (out, name, value) => {
    out.oomScoreAdj = integerValue(name, value, -1000, 1000);
  },
  [ISOLATOR.capsRetain]: (out, name, value) => {
    out.caps = capsValue(name, value, 'retain');
  },
  [ISOLATOR.capsRemove]: (out, name, value) => {
    out.caps = capsValue(name, value, 'remove');
  },
  [ISOLATOR.seccompRetain]: (out, name, value) => {
    out.seccomp = seccompValue(name, value, 'retain');
  },
  [ISOLATOR.seccompRemove]: (out, name, value) => {
    out.seccomp = seccompValue(name, value, 'remove');
  },
  [ISOLATOR.noNewPrivileges]: (out, name, value) => {
    if (typeof value !== 'boolean') throw invalid(name, 'its value must be true or false');
    out.noNewPrivileges = value;
  },
};

/** appc: a retain set "cannot be used in conjunction with" the remove set of the same kind. */
const EXCLUSIVE_PAIRS: readonly (readonly [string, string])[] = [
  [ISOLATOR.capsRetain, ISOLATOR.capsRemove],
  [ISOLATOR.seccompRetain, ISOLATOR.seccompRemove],
];

/**
 * Typed isolators of one app, plus a warning for each isolator that is not applied. A
 * repeated isolator keeps its last value (the command line's, as stage0 appends it last),
 * with a warning; a retain and a remove set of one kind together are an error.
 */
export function parseIsolators(isolators: readonly Isolator[] | undefined, appName: string): ParsedIsolators {
  const out: AppIsolators = {};
  const warnings: string[] = [];
  const seen = new Set<string>();
  for (const { name, value } of isolators ?? []) {
    const apply = APPLY[name];
    if (apply === undefined) {
      warnings.push(`app ${appName}: isolator ${name} is not supported by the default stage1 and is ignored`);
      continue;
    }
    if (seen.has(name)) warnings.push(`app ${appName}: isolator ${name} is given more than once; the last one applies`);
    seen.add(name);
    try {
      apply(out, name, value);
    } catch (err) {
      if (err instanceof SkiffError) throw new SkiffError(err.code, `app ${appName}: ${err.message}`, { hint: err.hint });
      throw err;
    }
  }
  for (const [a, b] of EXCLUSIVE_PAIRS) {
    if (seen.has(a) && seen.has(b)) {
      throw new SkiffError('POD_MANIFEST_INVALID', `app ${appName} has both ${a} and ${b}: appc allows only one of them`, {
        hint: 'keep one, or override both from the command line',
      });
    }
  }
  return { isolators: out, warnings };
}
