// What stage0 writes for DNS and hosts: skiff-resolv.conf and skiff-hosts in the stage1 rootfs,
// which stage1 puts in each app's /etc. Returns the --dns-conf-mode value stage1 gets.
import fs from 'node:fs';
import path from 'node:path';
import { adaptHostResolvConf, mergeHostHostsFile, renderHosts, renderResolvConf } from '../../common/dns-hosts.ts';
import * as layout from '../../common/layout.ts';
import type { ParsedPodOptions } from '../pod/pod-options.ts';

export interface DnsFilesInput {
  pod: Pick<ParsedPodOptions, 'dns' | 'hosts' | 'hostname' | 'net'>;
  readHostFile: (p: string) => string;
  warn: (msg: string) => void;
}

/** The two files' contents (undefined = not written) and the mode for stage1 (pure). */
export function planDnsFiles(input: DnsFilesInput): { resolv?: string; hosts?: string; mode: string } {
  const { dns, hosts } = input.pod;
  const ownNetns = input.pod.net.kind !== 'host';
  let resolv: string | undefined;
  if (dns.mode === 'stage0') {
    resolv = renderResolvConf({ servers: dns.servers, search: dns.search, options: dns.options, domain: dns.domain, comment: 'written by skiff (--dns)' });
  } else if (dns.mode === 'host') {
    const adapted = adaptHostResolvConf(input.readHostFile('/etc/resolv.conf'), ownNetns);
    if (adapted.droppedServers.length > 0) {
      input.warn(`--dns=host: leaving out ${adapted.droppedServers.join(', ')}: a loopback resolver is unreachable from the pod's own network`);
    }
    resolv = adapted.text;
  }
  let hostsText: string | undefined;
  if (hosts.mode === 'stage0') {
    hostsText = renderHosts({ hostname: input.pod.hostname, entries: hosts.entries, includeLocalhost: true, comment: 'written by skiff (--hosts-entry)' });
  } else if (hosts.mode === 'host') {
    hostsText = mergeHostHostsFile(input.readHostFile('/etc/hosts'), input.pod.hostname);
  }
  return { resolv, hosts: hostsText, mode: planDnsConfMode(input.pod) };
}

export function writeDnsFiles(podRoot: string, plan: { resolv?: string; hosts?: string }): void {
  for (const [file, text] of [
    [layout.podResolvConfPath(podRoot), plan.resolv],
    [layout.podHostsPath(podRoot), plan.hosts],
  ] as const) {
    if (text === undefined) continue;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text, { mode: 0o644 });
  }
}

/** The --dns-conf-mode stage1 gets, without reading any host file (pure). */
export function planDnsConfMode(pod: Pick<ParsedPodOptions, 'dns' | 'hosts'>): string {
  const resolv = pod.dns.mode === 'host' ? 'stage0' : pod.dns.mode;
  const hosts = pod.hosts.mode === 'host' ? 'stage0' : pod.hosts.mode;
  return `resolv=${resolv},hosts=${hosts}`;
}
