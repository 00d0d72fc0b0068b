// Per-app options (`IMAGE --user=… --memory=…`) from strings to typed values. Each value
// is checked here, at prepare, so a typo never reaches a pod manifest or stage1.
// app-isolators.ts turns the typed values into appc isolators.
import { SkiffError } from '../../common/errors.ts';
import { parseAppName } from '../../common/ids.ts';
import type { AppName } from '../../common/ids.ts';
import { parseMillicores, parseSize } from '../../common/size.ts';
import { isAcName } from './ac-name.ts';
import { isLinuxCapability, isLinuxErrno } from '../../common/linux-names.ts';
import { collectOptions, parseBoolValue } from './option-table.ts';

export interface SeccompOverride {
  mode: 'retain' | 'remove';
  /** Upper-case errno name; absent means blocked syscalls kill the app with SIGSYS. */
  errno?: string;
  set: string[];
}

export interface AppMountOption {
  volume: string;
  target: string;
}

export interface ParsedAppOptions {
  name?: AppName;
  exec?: string;
  user?: string;
  group?: string;
  supplementaryGids?: number[];
  workingDir?: string;
  /** `--environment` values; a later one for the same name wins. */
  environment: Record<string, string>;
  memoryBytes?: number;
  cpuMillicores?: number;
  cpuShares?: number;
  oomScoreAdj?: number;
  readOnlyRootfs?: boolean;
  capsRetain?: string[];
  capsRemove?: string[];
  seccomp?: SeccompOverride;
  /** No flag sets this yet; library callers may. */
  noNewPrivileges?: boolean;
  mounts: AppMountOption[];
}

export function emptyAppOptions(): ParsedAppOptions {
  return { environment: {}, mounts: [] };
}

function usage(flag: string, value: string, what: string): SkiffError {
  return new SkiffError('USAGE', `invalid --${flag} ${JSON.stringify(value)}: ${what}`);
}

// Names a shell could export, plus dots and dashes that Java-style programs use.
const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

export function isValidEnvName(name: string): boolean {
  return ENV_NAME_RE.test(name);
}

/** `NAME=VALUE` (the value may hold more `=`) → [name, value]. */
export function parseEnvAssignment(flag: string, value: string): [string, string] {
  const eq = value.indexOf('=');
  const name = eq < 0 ? value : value.slice(0, eq);
  if (eq < 0 || !isValidEnvName(name)) {
    throw usage(flag, value, 'write NAME=VALUE with a name that starts with a letter or underscore');
  }
  return [name, value.slice(eq + 1)];
}

const MAX_ID = 4294967294;

function parseInteger(flag: string, value: string, min: number, max: number): number {
  if (!/^-?\d+$/.test(value.trim())) throw usage(flag, value, `give a whole number from ${min} to ${max}`);
  const n = Number(value.trim());
  if (n < min || n > max) throw usage(flag, value, `give a whole number from ${min} to ${max}`);
  return n;
}

export function parseSupplementaryGids(value: string): number[] {
  return value.split(',').map((v) => parseInteger('supplementary-gids', v, 0, MAX_ID));
}

/** An absolute path, or a bare name that stage1 looks up on the app's PATH (rkt `--exec id`). */
export function parseExec(value: string): string {
  if (value === '' || (!value.startsWith('/') && value.includes('/'))) {
    throw usage('exec', value, 'give an absolute path (/bin/sh) or a command name (sh)');
  }
  return value;
}

export function parseWorkingDir(value: string): string {
  if (!value.startsWith('/')) throw usage('working-dir', value, 'give an absolute path');
  return value;
}

/** Memory limit in bytes; anything below 4 KiB is surely `16m` (milli) for `16M` (rkt). */
export function parseMemoryLimit(value: string): number {
  const bytes = parseSize(value);
  if (bytes < 4096) throw usage('memory', value, 'that is below 4096 bytes; try a value such as 16M or 128Mi');
  return bytes;
}

/** `CAP_NET_ADMIN,sys_time` → ['CAP_NET_ADMIN', 'CAP_SYS_TIME']: case-insensitive, prefix optional. */
export function parseCapabilities(flag: string, value: string): string[] {
  const caps: string[] = [];
  for (const raw of value.split(',')) {
    const upper = raw.trim().toUpperCase();
    const cap = upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
    if (upper === '' || !isLinuxCapability(cap)) {
      throw usage(flag, value, `${JSON.stringify(raw)} is not a Linux capability (see capabilities(7))`);
    }
    if (!caps.includes(cap)) caps.push(cap);
  }
  return caps;
}

// Plain syscall names, or appc-style scoped wildcards such as @appc.io/all.
const SYSCALL_RE = /^([a-z0-9_]+|@[a-z0-9.-]+\/[a-z0-9._-]+)$/;

/** rkt syntax: `mode=retain|remove[,errno=EPERM],SYSCALL,...` (keys may come in any order). */
export function parseSeccomp(value: string): SeccompOverride {
  let mode: SeccompOverride['mode'] | undefined;
  let errno: string | undefined;
  const set: string[] = [];
  for (const item of value.split(',').map((s) => s.trim())) {
    const eq = item.indexOf('=');
    if (eq < 0) {
      if (!SYSCALL_RE.test(item)) throw usage('seccomp', value, `${JSON.stringify(item)} is not a syscall name`);
      if (!set.includes(item)) set.push(item);
      continue;
    }
    const key = item.slice(0, eq);
    const v = item.slice(eq + 1);
    if (key === 'mode' && mode === undefined && (v === 'retain' || v === 'remove')) mode = v;
    else if (key === 'errno' && errno === undefined && isLinuxErrno(v.toUpperCase())) errno = v.toUpperCase();
    else if (key === 'mode') throw usage('seccomp', value, 'give mode=retain or mode=remove once');
    else if (key === 'errno') throw usage('seccomp', value, `give one errno name such as EPERM, not ${JSON.stringify(v)}`);
    else throw usage('seccomp', value, `unknown key ${JSON.stringify(key)}: use mode=, errno= and syscall names`);
  }
  if (mode === undefined) throw usage('seccomp', value, 'it needs mode=retain or mode=remove');
  if (set.length === 0) throw usage('seccomp', value, 'list at least one syscall');
  return errno === undefined ? { mode, set } : { mode, errno, set };
}

/** `volume=NAME,target=/path`. */
export function parseMount(value: string): AppMountOption {
  const fields = new Map<string, string>();
  for (const item of value.split(',')) {
    const eq = item.indexOf('=');
    const key = eq < 0 ? item : item.slice(0, eq);
    if (eq < 0 || (key !== 'volume' && key !== 'target') || fields.has(key)) {
      throw usage('mount', value, 'write volume=NAME,target=/path');
    }
    fields.set(key, item.slice(eq + 1));
  }
  const volume = fields.get('volume');
  const target = fields.get('target');
  if (volume === undefined || target === undefined) throw usage('mount', value, 'write volume=NAME,target=/path');
  if (!isAcName(volume)) throw usage('mount', value, `volume name ${JSON.stringify(volume)} must be lowercase letters, digits and dashes`);
  if (!target.startsWith('/')) throw usage('mount', value, 'the target must be an absolute path');
  return { volume, target };
}

function nonEmpty(flag: string, value: string): string {
  if (value === '') throw usage(flag, value, 'give a name or a numeric id');
  return value;
}

/** Typed app options from split-apps' normalized `--name=value` tokens for one image. */
export function parseAppOptions(appArgs: readonly string[]): ParsedAppOptions {
  const opts = emptyAppOptions();
  for (const [flag, values] of collectOptions(appArgs, ['app'])) {
    const v = values[0] ?? '';
    switch (flag) {
      case 'name': opts.name = parseAppName(v); break;
      case 'exec': opts.exec = parseExec(v); break;
      case 'user': opts.user = nonEmpty(flag, v); break;
      case 'group': opts.group = nonEmpty(flag, v); break;
      case 'supplementary-gids': opts.supplementaryGids = parseSupplementaryGids(v); break;
      case 'working-dir': opts.workingDir = parseWorkingDir(v); break;
      case 'memory': opts.memoryBytes = parseMemoryLimit(v); break;
      case 'cpu': opts.cpuMillicores = parseMillicores(v); break;
      case 'cpu-shares': opts.cpuShares = parseInteger(flag, v, 2, 262144); break;
      case 'oom-score-adj': opts.oomScoreAdj = parseInteger(flag, v, -1000, 1000); break;
      case 'readonly-rootfs': opts.readOnlyRootfs = parseBoolValue(flag, v); break;
      case 'caps-retain': opts.capsRetain = parseCapabilities(flag, v); break;
      case 'caps-remove': opts.capsRemove = parseCapabilities(flag, v); break;
      case 'seccomp': opts.seccomp = parseSeccomp(v); break;
      case 'mount': opts.mounts = values.map(parseMount); break;
      case 'environment':
        opts.environment = Object.fromEntries(values.map((e) => parseEnvAssignment(flag, e)));
        break;
    }
  }
  if (opts.capsRetain && opts.capsRemove) {
    // appc forbids both sets on one app; rkt refused the pair the same way.
    throw new SkiffError('USAGE', 'use either --caps-retain or --caps-remove for an app, not both');
  }
  return opts;
}
