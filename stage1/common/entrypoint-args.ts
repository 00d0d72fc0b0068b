// argv → options for the four stage1 entrypoints (docs/stage1-interface.md). A tiny parser
// rather than yargs: `run` is on the start-up path of every pod. Options are `--name` or
// `--name=value` only, then the pod UUID; `enter` takes `-- CMD ARGS…` after it. An unknown
// option is an error: stage0 leaves out what a stage1's interface version does not accept.
import { SkiffError } from '../../common/errors.ts';
import { parseAppName, parsePodUuid } from '../../common/ids.ts';
import type { AppName, PodUuid } from '../../common/ids.ts';
import type { LogFormat } from '../../common/log.ts';

export type ResolvConfMode = 'host' | 'stage0' | 'none' | 'default';
export type HostsMode = 'host' | 'stage0' | 'default';

export interface DnsConfMode {
  resolv: ResolvConfMode;
  hosts: HostsMode;
}

export interface CommonOptions {
  uuid: PodUuid;
  debug: boolean;
  logFormat: LogFormat;
}

export interface RunOptions extends CommonOptions {
  /** `host`, `none`, `default` or network names; undefined when stage0 passed no --net. */
  net: string[] | undefined;
  interactive: boolean;
  hostname: string | undefined;
  dnsConfMode: DnsConfMode;
  insecureOptions: string[];
  stage1Runtime: string | undefined;
}

export interface EnterOptions extends CommonOptions {
  app: AppName | undefined;
  interactive: boolean;
  /** The command and its arguments; empty when none was given. */
  command: string[];
}

export interface StopOptions extends CommonOptions {
  force: boolean;
}

export type GcOptions = CommonOptions;

type OptionKind = 'flag' | 'value';

interface RawArgs {
  options: Map<string, string | true>;
  positional: string[];
  /** Everything after `--` (undefined when there was no `--`). */
  rest: string[] | undefined;
}

function usage(entrypoint: string, message: string): SkiffError {
  return new SkiffError('USAGE', `${entrypoint}: ${message}`, { hint: 'see docs/stage1-interface.md for the arguments' });
}

function splitArgs(entrypoint: string, argv: readonly string[], spec: Readonly<Record<string, OptionKind>>): RawArgs {
  const options = new Map<string, string | true>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') return { options, positional, rest: argv.slice(i + 1) };
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    const kind = spec[name];
    if (kind === undefined) throw usage(entrypoint, `unknown option --${name}`);
    if (kind === 'value') {
      if (eq < 0) throw usage(entrypoint, `--${name} needs a value: --${name}=VALUE`);
      options.set(name, arg.slice(eq + 1));
    } else {
      const value = eq < 0 ? 'true' : arg.slice(eq + 1);
      if (value !== 'true' && value !== 'false') throw usage(entrypoint, `--${name} takes no value other than true or false`);
      if (value === 'true') options.set(name, true);
      else options.delete(name);
    }
  }
  return { options, positional, rest: undefined };
}

function valueOf(raw: RawArgs, name: string): string | undefined {
  const v = raw.options.get(name);
  return typeof v === 'string' ? v : undefined;
}

function commonOptions(entrypoint: string, raw: RawArgs): CommonOptions {
  if (raw.positional.length !== 1) {
    throw usage(entrypoint, raw.positional.length === 0 ? 'the pod UUID is missing' : `expected one pod UUID, got ${raw.positional.join(' ')}`);
  }
  const format = valueOf(raw, 'log-format') ?? 'pretty';
  if (format !== 'pretty' && format !== 'json') throw usage(entrypoint, `--log-format must be pretty or json, not ${JSON.stringify(format)}`);
  return { uuid: parsePodUuid(raw.positional[0] as string), debug: raw.options.has('debug'), logFormat: format };
}

const COMMON_SPEC: Readonly<Record<string, OptionKind>> = { debug: 'flag', 'log-format': 'value' };

const RESOLV_MODES: readonly string[] = ['host', 'stage0', 'none', 'default'];
const HOSTS_MODES: readonly string[] = ['host', 'stage0', 'default'];

/** `resolv=host,hosts=stage0` (either key may be left out; each defaults to `default`). */
export function parseDnsConfMode(value: string | undefined): DnsConfMode {
  const mode: DnsConfMode = { resolv: 'default', hosts: 'default' };
  for (const pair of (value ?? '').split(',').filter((p) => p !== '')) {
    const [key, val = ''] = pair.split('=', 2) as [string, string?];
    if (key === 'resolv' && RESOLV_MODES.includes(val)) mode.resolv = val as ResolvConfMode;
    else if (key === 'hosts' && HOSTS_MODES.includes(val)) mode.hosts = val as HostsMode;
    else {
      throw usage('run', `invalid --dns-conf-mode item ${JSON.stringify(pair)}: use resolv=(${RESOLV_MODES.join('|')}),hosts=(${HOSTS_MODES.join('|')})`);
    }
  }
  return mode;
}

function listOf(value: string | undefined): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
}

export function parseRunArgs(argv: readonly string[]): RunOptions {
  const raw = splitArgs('run', argv, {
    ...COMMON_SPEC,
    net: 'value',
    interactive: 'flag',
    hostname: 'value',
    'dns-conf-mode': 'value',
    'insecure-options': 'value',
    'stage1-runtime': 'value',
  });
  if (raw.rest !== undefined) throw usage('run', 'takes no command after --');
  const net = valueOf(raw, 'net');
  const nets = net === undefined ? undefined : listOf(net);
  if (nets !== undefined && nets.length === 0) throw usage('run', '--net needs a value: host, none, default or network names');
  return {
    ...commonOptions('run', raw),
    net: nets,
    interactive: raw.options.has('interactive'),
    hostname: valueOf(raw, 'hostname'),
    dnsConfMode: parseDnsConfMode(valueOf(raw, 'dns-conf-mode')),
    insecureOptions: listOf(valueOf(raw, 'insecure-options')),
    stage1Runtime: valueOf(raw, 'stage1-runtime'),
  };
}

export function parseEnterArgs(argv: readonly string[]): EnterOptions {
  const raw = splitArgs('enter', argv, { ...COMMON_SPEC, app: 'value', interactive: 'flag' });
  const app = valueOf(raw, 'app');
  return {
    ...commonOptions('enter', raw),
    app: app === undefined ? undefined : parseAppName(app),
    interactive: raw.options.has('interactive'),
    command: raw.rest ?? [],
  };
}

export function parseStopArgs(argv: readonly string[]): StopOptions {
  const raw = splitArgs('stop', argv, { ...COMMON_SPEC, force: 'flag' });
  if (raw.rest !== undefined) throw usage('stop', 'takes no command after --');
  return { ...commonOptions('stop', raw), force: raw.options.has('force') };
}

export function parseGcArgs(argv: readonly string[]): GcOptions {
  const raw = splitArgs('gc', argv, COMMON_SPEC);
  if (raw.rest !== undefined) throw usage('gc', 'takes no command after --');
  return commonOptions('gc', raw);
}

/** Whether argv asks for debug output, read before parsing so a usage error can say more. */
export function argvWantsDebug(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  const options = end < 0 ? argv : argv.slice(0, end);
  return options.includes('--debug') || options.includes('--debug=true');
}
