// Which options `skiff prepare|run` accept, where they may appear and whether they take a
// value. The per-app pre-parser needs this before yargs sees anything: in
// `--user nobody img` it must know that `nobody` is a value and `img` the image (rkt's
// parseApps leaned on pflag for the same knowledge).
import { SkiffError } from '../../common/errors.ts';

/** global: skiff's own options, accepted anywhere outside app arguments. */
export type OptionScope = 'global' | 'pod' | 'app';

/**
 * value: `--o=v` or `--o v`. bool: `--o` or `--o=true|false`, never a separate token (an
 * image could be called "true"). optional: `--o` means `bare`, a value needs `=`.
 */
export type OptionArity = 'value' | 'bool' | 'optional';

export interface OptionSpec {
  scope: OptionScope;
  arity: OptionArity;
  repeatable: boolean;
  /** For arity 'optional': the value of the bare flag. */
  bare?: string;
  /** For arity 'bool': also take a following `true`/`false` token, as rkt did for this flag. */
  separateBool?: boolean;
}

const value = (scope: OptionScope, repeatable = false): OptionSpec => ({ scope, arity: 'value', repeatable });
const bool = (scope: OptionScope): OptionSpec => ({ scope, arity: 'bool', repeatable: false });

export const OPTION_SPECS: Readonly<Record<string, OptionSpec>> = Object.freeze({
  dir: value('global'),
  'insecure-options': value('global'),
  debug: bool('global'),
  'log-format': value('global'),
  help: bool('global'),

  'stage1-name': value('pod'),
  'stage1-path': value('pod'),
  'stage1-runtime': value('pod'),
  'no-overlay': bool('pod'),
  // rkt: a bare --net means the default network, so it never swallows the next token.
  net: { scope: 'pod', arity: 'optional', repeatable: true, bare: 'default' },
  dns: value('pod', true),
  'dns-search': value('pod', true),
  'dns-opt': value('pod', true),
  'dns-domain': value('pod'),
  hostname: value('pod'),
  'hosts-entry': value('pod', true),
  volume: value('pod', true),
  port: value('pod', true),
  'pod-manifest': value('pod'),
  'uuid-file-save': value('pod'),
  'set-env': value('pod', true),
  'set-env-file': value('pod', true),
  'inherit-env': bool('pod'),
  interactive: bool('pod'),
  'private-users': bool('pod'),
  'pull-policy': value('pod'),

  name: value('app'),
  exec: value('app'),
  user: value('app'),
  group: value('app'),
  'supplementary-gids': value('app'),
  'working-dir': value('app'),
  environment: value('app', true),
  memory: value('app'),
  cpu: value('app'),
  'cpu-shares': value('app'),
  'oom-score-adj': value('app'),
  'readonly-rootfs': { scope: 'app', arity: 'bool', repeatable: false, separateBool: true },
  'caps-retain': value('app'),
  'caps-remove': value('app'),
  seccomp: value('app'),
  mount: value('app', true),
});

const SHORT_ALIASES: Readonly<Record<string, string>> = Object.freeze({ h: 'help' });

export function lookupOption(name: string): OptionSpec | undefined {
  return Object.hasOwn(OPTION_SPECS, name) ? OPTION_SPECS[name] : undefined;
}

/** `--name=v` → { name, value: 'v' }; `--name` → { name }; `-h` → { name: 'help' }. */
export function splitOptionToken(token: string): { name: string; value?: string } | undefined {
  if (token.startsWith('--') && token.length > 2) {
    const eq = token.indexOf('=');
    return eq < 0 ? { name: token.slice(2) } : { name: token.slice(2, eq), value: token.slice(eq + 1) };
  }
  if (/^-[A-Za-z]$/.test(token)) {
    const long = SHORT_ALIASES[token.slice(1)];
    return { name: long ?? token.slice(1) };
  }
  return undefined;
}

/** True/false for a bool option's `=value`, as strconv.ParseBool reads them. */
export function parseBoolValue(name: string, raw: string): boolean {
  if (['true', '1', 't', 'TRUE', 'True', 'T'].includes(raw)) return true;
  if (['false', '0', 'f', 'FALSE', 'False', 'F'].includes(raw)) return false;
  throw new SkiffError('USAGE', `--${name} takes true or false, not ${JSON.stringify(raw)}`);
}

/**
 * Groups normalized `--name=value` tokens (as split-apps emits them) by option name, in
 * order. Options outside `scopes` are refused; a non-repeatable option given twice is
 * refused rather than silently overridden.
 */
export function collectOptions(tokens: readonly string[], scopes: readonly OptionScope[]): Map<string, string[]> {
  const values = new Map<string, string[]>();
  for (const token of tokens) {
    const parsed = splitOptionToken(token);
    const spec = parsed && lookupOption(parsed.name);
    if (!parsed || !spec || !scopes.includes(spec.scope)) {
      throw new SkiffError('USAGE', `unexpected argument ${JSON.stringify(token)}`);
    }
    const raw = parsed.value ?? (spec.arity === 'bool' ? 'true' : spec.arity === 'optional' ? (spec.bare ?? '') : undefined);
    if (raw === undefined) throw new SkiffError('USAGE', `--${parsed.name} needs a value: --${parsed.name}=VALUE`);
    const list = values.get(parsed.name) ?? [];
    if (list.length > 0 && !spec.repeatable) {
      throw new SkiffError('USAGE', `--${parsed.name} was given twice: give it once`);
    }
    list.push(raw);
    values.set(parsed.name, list);
  }
  return values;
}
