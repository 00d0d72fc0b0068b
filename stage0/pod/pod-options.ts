// Pod options (everything before the first image) from split-apps' normalized
// `--name=value` tokens to typed values. Network and DNS options are parsed in
// pod-network-options.ts; volumes and the environment here.
import type { Volume } from '../../common/appc-types.ts';
import { SkiffError } from '../../common/errors.ts';
import { PULL_POLICIES, type PullPolicy } from '../../store/pull-policy.ts';
import { isAcName } from './ac-name.ts';
import { isValidEnvName, parseEnvAssignment } from './app-options.ts';
import { collectOptions, lookupOption, parseBoolValue, splitOptionToken } from './option-table.ts';
import { parseDns, parseHostname, parseHostsEntries, parseNet, parsePort } from './pod-network-options.ts';
import type { DnsSpec, HostsSpec, NetSpec, PortForward } from './pod-network-options.ts';

export interface ParsedPodOptions {
  stage1Name?: string;
  stage1Path?: string;
  stage1Runtime?: string;
  noOverlay: boolean;
  net: NetSpec;
  dns: DnsSpec;
  hostname?: string;
  hosts: HostsSpec;
  volumes: Volume[];
  ports: PortForward[];
  podManifest?: string;
  uuidFileSave?: string;
  /** `--set-env` values; a later one for the same name wins. */
  setEnv: Record<string, string>;
  /** Paths for the caller to read and pass through parseEnvFile. */
  setEnvFiles: string[];
  inheritEnv: boolean;
  interactive: boolean;
  /** Passed through to stage1 unchanged. */
  privateUsers: boolean;
  /** Global options found among the pod options (`--debug`, `--dir=…`), for the caller. */
  globalArgs: string[];
  /** Images not in the store are fetched (`new`, the default for prepare and run), always asked for (`update`), or refused (`never`). */
  pullPolicy: PullPolicy;
}

export function defaultPodOptions(): ParsedPodOptions {
  return {
    noOverlay: false,
    net: parseNet([]),
    dns: parseDns({ dns: [], search: [], options: [] }),
    hosts: parseHostsEntries([]),
    volumes: [],
    ports: [],
    setEnv: {},
    setEnvFiles: [],
    inheritEnv: false,
    interactive: false,
    privateUsers: false,
    globalArgs: [],
    pullPolicy: 'new',
  };
}

function usage(flag: string, value: string, what: string): SkiffError {
  return new SkiffError('USAGE', `invalid --${flag} ${JSON.stringify(value)}: ${what}`);
}

const VOLUME_KEYS = new Set(['kind', 'source', 'readOnly', 'recursive', 'mode', 'uid', 'gid']);

function parseVolumeId(value: string, key: string, text: string): number {
  if (!/^\d+$/.test(text) || Number(text) > 4294967294) throw usage('volume', value, `${key} must be a numeric id`);
  return Number(text);
}

function volumeBool(value: string, key: string, text: string): boolean {
  try {
    return parseBoolValue(`volume ${key}`, text);
  } catch {
    throw usage('volume', value, `${key} takes true or false`);
  }
}

/**
 * rkt/appc syntax: `NAME,kind=host,source=/p[,readOnly=true][,recursive=true]` or
 * `NAME,kind=empty[,mode=0755][,uid=N][,gid=N]`. Empty volumes get appc's defaults
 * (0755, 0:0) written out, so stage1 need not know them.
 */
export function parseVolume(value: string): Volume {
  const [name = '', ...items] = value.split(',');
  if (!isAcName(name)) throw usage('volume', value, 'start with a volume name of lowercase letters, digits and dashes');
  const fields = new Map<string, string>();
  for (const item of items) {
    const eq = item.indexOf('=');
    const key = item.slice(0, eq);
    if (eq < 0 || !VOLUME_KEYS.has(key) || fields.has(key)) {
      throw usage('volume', value, 'write NAME,kind=host,source=/path[,readOnly=true] or NAME,kind=empty[,mode=0755,uid=0,gid=0]');
    }
    fields.set(key, item.slice(eq + 1));
  }
  const kind = fields.get('kind');
  let vol: Volume;
  if (kind === 'host') {
    const source = fields.get('source') ?? '';
    if (!source.startsWith('/')) throw usage('volume', value, 'a host volume needs source=/absolute/path');
    for (const k of ['mode', 'uid', 'gid']) if (fields.has(k)) throw usage('volume', value, `${k} applies to kind=empty only`);
    vol = { name, kind, source };
  } else if (kind === 'empty') {
    if (fields.has('source')) throw usage('volume', value, 'source applies to kind=host only');
    const mode = fields.get('mode') ?? '0755';
    if (!/^0?[0-7]{3,4}$/.test(mode)) throw usage('volume', value, 'mode must be octal, such as 0755');
    const uid = parseVolumeId(value, 'uid', fields.get('uid') ?? '0');
    const gid = parseVolumeId(value, 'gid', fields.get('gid') ?? '0');
    vol = { name, kind, mode, uid, gid };
  } else {
    throw usage('volume', value, 'give kind=host or kind=empty');
  }
  const readOnly = fields.get('readOnly');
  const recursive = fields.get('recursive');
  if (readOnly !== undefined) vol.readOnly = volumeBool(value, 'readOnly', readOnly);
  if (recursive !== undefined) vol.recursive = volumeBool(value, 'recursive', recursive);
  return vol;
}

/**
 * A `--set-env-file` text: `NAME=VALUE` lines; blank lines and lines starting with `#` or
 * `;` are skipped (rkt). Values are taken verbatim, quotes included, as rkt and docker do.
 */
export function parseEnvFile(text: string, source = 'environment file'): Record<string, string> {
  const env = new Map<string, string>();
  text.split('\n').forEach((rawLine, index) => {
    const line = rawLine.replace(/\r$/, '');
    if (line.trim() === '' || /^\s*[#;]/.test(line)) return;
    const where = `${source} line ${index + 1}`;
    const eq = line.indexOf('=');
    const name = eq < 0 ? line : line.slice(0, eq);
    if (eq < 0 || !isValidEnvName(name)) {
      throw new SkiffError('USAGE', `${where}: ${JSON.stringify(line)} is not NAME=VALUE with a name that starts with a letter or underscore`);
    }
    if (env.has(name)) throw new SkiffError('USAGE', `${where}: ${name} is already set earlier in the file; set it once`);
    env.set(name, line.slice(eq + 1));
  });
  return Object.fromEntries(env);
}

function parsePullPolicy(value: string): PullPolicy {
  const policy = PULL_POLICIES.find((p) => p === value);
  if (policy === undefined) throw usage('pull-policy', value, `choose from ${PULL_POLICIES.join(', ')}`);
  return policy;
}

// rkt: with --pod-manifest, the manifest is the whole pod; these would be silently ignored.
const MANIFEST_OWNED = ['volume', 'port', 'set-env', 'set-env-file', 'inherit-env'] as const;

function requireNonEmpty(flag: string, value: string): string {
  if (value === '') throw usage(flag, value, 'give a value');
  return value;
}

function isGlobalToken(token: string): boolean {
  const parsed = splitOptionToken(token);
  return parsed !== undefined && lookupOption(parsed.name)?.scope === 'global';
}

/** Typed pod options from split-apps' `podArgs`. */
export function parsePodOptions(podArgs: readonly string[]): ParsedPodOptions {
  const opts = defaultPodOptions();
  opts.globalArgs = podArgs.filter(isGlobalToken);
  const values = collectOptions(podArgs.filter((t) => !isGlobalToken(t)), ['pod']);
  const one = (flag: string): string | undefined => values.get(flag)?.[0];
  const all = (flag: string): string[] => values.get(flag) ?? [];
  const text = (flag: string): string | undefined => {
    const v = one(flag);
    return v === undefined ? undefined : requireNonEmpty(flag, v);
  };
  const bool = (flag: string): boolean => parseBoolValue(flag, one(flag) ?? 'false');

  const stage1Name = text('stage1-name');
  const stage1Path = text('stage1-path');
  const stage1Runtime = text('stage1-runtime');
  const podManifest = text('pod-manifest');
  const uuidFileSave = text('uuid-file-save');
  const hostname = one('hostname');
  const dnsDomain = one('dns-domain');
  if (stage1Name !== undefined) opts.stage1Name = stage1Name;
  if (stage1Path !== undefined) opts.stage1Path = stage1Path;
  if (stage1Runtime !== undefined) opts.stage1Runtime = stage1Runtime;
  if (podManifest !== undefined) opts.podManifest = podManifest;
  if (uuidFileSave !== undefined) opts.uuidFileSave = uuidFileSave;
  if (hostname !== undefined) opts.hostname = parseHostname(hostname);
  opts.noOverlay = bool('no-overlay');
  opts.inheritEnv = bool('inherit-env');
  opts.interactive = bool('interactive');
  opts.privateUsers = bool('private-users');
  opts.pullPolicy = parsePullPolicy(one('pull-policy') ?? 'new');
  opts.net = parseNet(all('net'));
  opts.dns = parseDns({
    dns: all('dns'),
    search: all('dns-search'),
    options: all('dns-opt'),
    ...(dnsDomain === undefined ? {} : { domain: dnsDomain }),
  });
  opts.hosts = parseHostsEntries(all('hosts-entry'));
  opts.volumes = all('volume').map(parseVolume);
  const duplicate = opts.volumes.find((v, i) => opts.volumes.findIndex((w) => w.name === v.name) !== i);
  if (duplicate) throw new SkiffError('USAGE', `volume ${duplicate.name} is defined twice: give each --volume a different name`);
  opts.ports = all('port').map(parsePort);
  opts.setEnv = Object.fromEntries(all('set-env').map((v) => parseEnvAssignment('set-env', v)));
  opts.setEnvFiles = all('set-env-file').map((v) => requireNonEmpty('set-env-file', v));

  if (stage1Name !== undefined && stage1Path !== undefined) {
    throw new SkiffError('USAGE', 'give either --stage1-name or --stage1-path, not both');
  }
  const clash = podManifest === undefined ? undefined : MANIFEST_OWNED.find((f) => values.has(f));
  if (clash) throw new SkiffError('USAGE', `--${clash} does not apply with --pod-manifest: put it in the pod manifest instead`);
  return opts;
}
