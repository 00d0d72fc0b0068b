// The pod's resolv.conf and hosts files, rendered as text. stage0 writes them to
// stage1/rootfs/etc/skiff-resolv.conf and skiff-hosts (rkt: rkt-resolv.conf, rkt-hosts) and
// stage1 bind-mounts them over each app's /etc files. The caller reads any host file.
import { isIP } from 'node:net';

export interface ResolvConfInput {
  servers: readonly string[];
  search?: readonly string[];
  options?: readonly string[];
  domain?: string;
  /** A first `# …` line saying who wrote the file. */
  comment?: string;
}

/** resolv.conf in rkt's order (common.MakeResolvConf): search, nameservers, options, domain. */
export function renderResolvConf(input: ResolvConfInput): string {
  const lines: string[] = [];
  if (input.comment) lines.push(`# ${input.comment}`, '');
  if (input.search && input.search.length > 0) lines.push(`search ${input.search.join(' ')}`);
  for (const server of input.servers) lines.push(`nameserver ${server}`);
  if (input.options && input.options.length > 0) lines.push(`options ${input.options.join(' ')}`);
  if (input.domain) lines.push(`domain ${input.domain}`);
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

function isLoopback(ip: string): boolean {
  const bare = ip.replace(/%.*$/, '');
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return bare === '::1' || bare === '0:0:0:0:0:0:0:1';
}

/**
 * The host's resolv.conf for `--dns=host`. A pod with its own network namespace has its
 * own loopback, so a host stub resolver (systemd-resolved's 127.0.0.53, dnsmasq on
 * 127.0.0.1) is unreachable from it: those nameserver lines are dropped and returned, so
 * the caller can warn or read /run/systemd/resolve/resolv.conf instead.
 */
export function adaptHostResolvConf(hostText: string, ownNetns: boolean): { text: string; droppedServers: string[] } {
  const droppedServers: string[] = [];
  const kept = hostText.split('\n').filter((line) => {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (!ownNetns || !m?.[1] || !isLoopback(m[1])) return true;
    droppedServers.push(m[1]);
    return false;
  });
  const text = kept.join('\n');
  return { text: text === '' || text.endsWith('\n') ? text : `${text}\n`, droppedServers };
}

export interface HostsEntry {
  ip: string;
  names: readonly string[];
}

export interface HostsInput {
  /** The pod's hostname, mapped to 127.0.0.1 so the pod can resolve its own name. */
  hostname?: string;
  /** `--hosts-entry=IP=NAME` pairs, in order; entries for the same IP share one line. */
  entries: readonly HostsEntry[];
  /** Start with the localhost lines (rkt's hosts-fallback defaults). */
  includeLocalhost: boolean;
  comment?: string;
}

function namesOnLine(line: string): string[] {
  const words = line.replace(/#.*$/, '').trim().split(/\s+/);
  return words.length > 1 ? words.slice(1) : [];
}

/**
 * Adds `name` to the first line for `ip`, or a new line when there is none (rkt's
 * stage1 AddHostsEntry). A name that is already mapped is left alone: appending it to the
 * 127.0.0.1 line, which comes first, would shadow the user's own `--hosts-entry` for it.
 */
export function addHostsName(text: string, ip: string, name: string): string {
  const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
  if (lines.some((line) => namesOnLine(line).includes(name))) return `${lines.join('\n')}\n`;
  const index = lines.findIndex((line) => line.trim().split(/\s+/)[0] === ip);
  if (index >= 0) {
    const line = lines[index] ?? '';
    const hash = line.indexOf('#');
    lines[index] = hash < 0 ? `${line} ${name}` : `${line.slice(0, hash).trimEnd()} ${name} ${line.slice(hash)}`;
  } else {
    lines.push(`${ip}\t${name}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Merges entries for the same IP into one list, in first-seen order, without duplicate names. */
function groupEntries(entries: readonly HostsEntry[]): HostsEntry[] {
  const byIp = new Map<string, string[]>();
  for (const e of entries) {
    const names = byIp.get(e.ip) ?? [];
    for (const n of e.names) if (!names.includes(n)) names.push(n);
    byIp.set(e.ip, names);
  }
  return [...byIp].map(([ip, names]) => ({ ip, names }));
}

/** The pod's /etc/hosts: localhost defaults, the `--hosts-entry` lines, then the hostname. */
export function renderHosts(input: HostsInput): string {
  const lines: string[] = [];
  if (input.comment) lines.push(`# ${input.comment}`);
  if (input.includeLocalhost) {
    lines.push('127.0.0.1\tlocalhost localhost.localdomain');
    lines.push('::1\tlocalhost ip6-localhost ip6-loopback');
  }
  const grouped = groupEntries(input.entries);
  if (grouped.length > 0) {
    if (lines.length > 0) lines.push('');
    lines.push('# added by --hosts-entry');
    for (const e of grouped) lines.push(`${e.ip}\t${e.names.join(' ')}`);
  }
  const text = lines.length === 0 ? '' : `${lines.join('\n')}\n`;
  return input.hostname ? addHostsName(text, '127.0.0.1', input.hostname) : text;
}

/**
 * The host's /etc/hosts for `--hosts-entry=host`, copied rather than bind-mounted (rkt)
 * so the pod's own hostname can be added when the host file does not know it.
 */
export function mergeHostHostsFile(hostText: string, hostname?: string): string {
  const text = hostText === '' || hostText.endsWith('\n') ? hostText : `${hostText}\n`;
  return hostname ? addHostsName(text, '127.0.0.1', hostname) : text;
}
