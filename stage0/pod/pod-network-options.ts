// Pod options about the network: --net, --dns*, --hostname, --hosts-entry, --port.
// The rules follow rkt's run.go (parseDNSFlags, portList) and common.NetList.
import { isIP } from 'node:net';
import { SkiffError } from '../../common/errors.ts';
import type { HostsEntry } from '../../common/dns-hosts.ts';
import { isAcName } from './ac-name.ts';

export interface NetworkRequest {
  /** `default` or a CNI network configured on the host. */
  name: string;
  /** CNI_ARGS for this network: `--net=NAME:K=V;K2=V2`. */
  args: Record<string, string>;
}

export type NetSpec =
  | { kind: 'host' }
  /** Loopback only. */
  | { kind: 'none' }
  | { kind: 'networks'; networks: NetworkRequest[] };

// CNI network names: what a conflist's "name" may be and still be a file name.
const NETWORK_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

function usage(flag: string, value: string, what: string): SkiffError {
  return new SkiffError('USAGE', `invalid --${flag} ${JSON.stringify(value)}: ${what}`);
}

function parseNetArgs(value: string, text: string): Record<string, string> {
  const args = new Map<string, string>();
  for (const pair of text.split(';').filter((p) => p !== '')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw usage('net', value, 'write network arguments as NAME:KEY=VALUE;KEY2=VALUE2');
    args.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return Object.fromEntries(args);
}

/** All `--net` values together (each may list networks with commas); none given → default. */
export function parseNet(values: readonly string[]): NetSpec {
  const requests: NetworkRequest[] = [];
  for (const value of values) {
    for (const item of value.split(',')) {
      const colon = item.indexOf(':');
      const name = colon < 0 ? item : item.slice(0, colon);
      if (!NETWORK_NAME_RE.test(name)) throw usage('net', value, 'give host, none, default or a network name');
      if (requests.some((r) => r.name === name)) throw usage('net', value, `network ${name} is named twice`);
      const args = colon < 0 ? {} : parseNetArgs(value, item.slice(colon + 1));
      if ((name === 'host' || name === 'none') && colon >= 0) {
        throw usage('net', value, `--net=${name} takes no arguments`);
      }
      requests.push({ name, args });
    }
  }
  if (requests.length === 0) return { kind: 'networks', networks: [{ name: 'default', args: {} }] };
  const special = requests.find((r) => r.name === 'host' || r.name === 'none');
  if (special && requests.length > 1) {
    throw new SkiffError('USAGE', `--net=${special.name} cannot be combined with other networks: give it alone`);
  }
  if (special) return { kind: special.name === 'host' ? 'host' : 'none' };
  return { kind: 'networks', networks: requests };
}

/**
 * rkt's DNS modes: default (stage1/CNI decides), host (the host's resolv.conf), none (no
 * resolv.conf from skiff), stage0 (skiff writes one from --dns/--dns-search/--dns-opt).
 */
export interface DnsSpec {
  mode: 'default' | 'host' | 'none' | 'stage0';
  servers: string[];
  search: string[];
  options: string[];
  domain?: string;
}

export interface DnsFlags {
  dns: readonly string[];
  search: readonly string[];
  options: readonly string[];
  domain?: string;
}

function checkWord(flag: string, value: string): string {
  if (value === '' || /\s/.test(value)) throw usage(flag, value, 'give one word without spaces');
  return value;
}

export function parseDns(flags: DnsFlags): DnsSpec {
  const spec: DnsSpec = { mode: 'default', servers: [], search: [], options: [] };
  for (const value of flags.dns) {
    if (value === 'host' || value === 'none') {
      if (flags.dns.length > 1) throw new SkiffError('USAGE', `--dns=${value} cannot be combined with other --dns options: give it alone`);
      spec.mode = value;
      continue;
    }
    for (const server of value.split(',')) {
      if (isIP(server) === 0) throw usage('dns', value, `${JSON.stringify(server)} is not an IPv4 or IPv6 address`);
      spec.servers.push(server);
    }
  }
  spec.search = flags.search.map((s) => checkWord('dns-search', s));
  spec.options = flags.options.map((s) => checkWord('dns-opt', s));
  if (flags.domain !== undefined) spec.domain = checkWord('dns-domain', flags.domain);
  const custom = spec.servers.length + spec.search.length + spec.options.length > 0 || spec.domain !== undefined;
  if (custom && (spec.mode === 'host' || spec.mode === 'none')) {
    throw new SkiffError('USAGE', `--dns-search, --dns-opt and --dns-domain do not apply with --dns=${spec.mode}: drop them or --dns=${spec.mode}`);
  }
  if (custom) spec.mode = 'stage0';
  return spec;
}

const LABEL_RE = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

function isDnsName(value: string, maxLength: number): boolean {
  return value.length > 0 && value.length <= maxLength && value.split('.').every((l) => LABEL_RE.test(l));
}

/** RFC 1123 name. 64 is the kernel's limit for sethostname (HOST_NAME_MAX), below DNS's 253. */
export function parseHostname(value: string): string {
  if (!isDnsName(value, 64)) {
    throw usage('hostname', value, 'use letters, digits and dashes in dot-separated labels, 64 characters at most');
  }
  return value;
}

/** default: stage1 writes localhost + hostname; host: the host's /etc/hosts; stage0: skiff's entries. */
export interface HostsSpec {
  mode: 'default' | 'host' | 'stage0';
  entries: HostsEntry[];
}

/** All `--hosts-entry` values: `IP=NAME[,IP=NAME…]`, or `host` alone. */
export function parseHostsEntries(values: readonly string[]): HostsSpec {
  const spec: HostsSpec = { mode: 'default', entries: [] };
  for (const value of values) {
    if (value === 'host') {
      spec.mode = 'host';
      continue;
    }
    for (const item of value.split(',')) {
      const eq = item.indexOf('=');
      if (eq < 0) throw usage('hosts-entry', value, "write IP=HOSTNAME, or host to use the host's /etc/hosts");
      const ip = item.slice(0, eq);
      const name = item.slice(eq + 1);
      if (isIP(ip) === 0) throw usage('hosts-entry', value, `${JSON.stringify(ip)} is not an IPv4 or IPv6 address`);
      if (!isDnsName(name, 253)) throw usage('hosts-entry', value, `${JSON.stringify(name)} is not a valid host name`);
      spec.entries.push({ ip, names: [name] });
    }
  }
  if (spec.mode === 'host' && spec.entries.length > 0) {
    throw new SkiffError('USAGE', '--hosts-entry=host cannot be combined with other --hosts-entry values: give it alone');
  }
  if (spec.entries.length > 0) spec.mode = 'stage0';
  return spec;
}

export interface PortForward {
  /** The name of a port some app's image exposes. */
  name: string;
  hostPort: number;
  hostIP?: string;
}

function parsePortNumber(flag: string, value: string, text: string): number {
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!(n >= 1 && n <= 65535)) throw usage(flag, value, `${JSON.stringify(text)} is not a port number from 1 to 65535`);
  return n;
}

/** `NAME:HOSTPORT` or `NAME:HOSTIP:HOSTPORT` (an IPv6 host IP may be bracketed). */
export function parsePort(value: string): PortForward {
  const first = value.indexOf(':');
  const last = value.lastIndexOf(':');
  if (first <= 0) throw usage('port', value, 'write NAME:HOSTPORT or NAME:HOSTIP:HOSTPORT');
  const name = value.slice(0, first);
  if (!isAcName(name)) throw usage('port', value, `port name ${JSON.stringify(name)} must be lowercase letters, digits and dashes`);
  const hostPort = parsePortNumber('port', value, value.slice(last + 1));
  if (first === last) return { name, hostPort };
  const hostIP = value.slice(first + 1, last).replace(/^\[(.*)\]$/, '$1');
  if (isIP(hostIP) === 0) throw usage('port', value, `${JSON.stringify(hostIP)} is not an IPv4 or IPv6 address`);
  return { name, hostPort, hostIP };
}
