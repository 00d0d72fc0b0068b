// The pod's /etc/hostname, /etc/hosts and /etc/resolv.conf: written once per pod under
// POD/stage1/rootfs/skiff/etc/ and bound read-only over every app's own (oci-spec/mounts.ts
// says why read-only). Which content, per --dns-conf-mode (stage0 has already turned
// `--dns=host` and `--hosts-entry=host` into files of its own):
//   resolv=stage0   stage0's skiff-resolv.conf
//   resolv=none     nothing: the image's file stays
//   resolv=default  stage0's file if it wrote one, else the nameservers the CNI networks
//                   returned, else the host's resolv.conf — minus loopback nameservers when
//                   the pod has its own network (a host stub resolver is unreachable from it)
//   hosts=stage0    stage0's skiff-hosts
//   hosts=default   stage0's file if it wrote one, else localhost lines and the hostname
import fs from 'node:fs';
import { adaptHostResolvConf, renderHosts, renderResolvConf } from '../../../common/dns-hosts.ts';
import { podEtcDir, podEtcFilePath, podHostsPath, podResolvConfPath } from '../../../common/layout.ts';
import { VOLATILE, writeFileAtomic } from '../../../common/write-atomic.ts';
import type { DnsConfMode } from '../../common/entrypoint-args.ts';
import type { PodEtcFiles } from '../oci-spec/mounts.ts';
import type { CniDns } from '../net/cni-types.ts';

export interface EtcSources {
  mode: DnsConfMode;
  hostname: string;
  ownNetwork: boolean;
  /** Texts of stage0's files and the host's, undefined when absent. */
  stage0Resolv: string | undefined;
  stage0Hosts: string | undefined;
  hostResolv: string | undefined;
  cniDns: CniDns | undefined;
}

export interface EtcContents {
  hostname: string;
  hosts: string | undefined;
  resolvConf: string | undefined;
}

function resolvContent(src: EtcSources): string | undefined {
  const { resolv } = src.mode;
  if (resolv === 'none') return undefined;
  if (resolv === 'stage0' || src.stage0Resolv !== undefined) return src.stage0Resolv;
  if (src.cniDns?.nameservers && src.cniDns.nameservers.length > 0) {
    const input = { servers: src.cniDns.nameservers, search: src.cniDns.search ?? [], options: src.cniDns.options ?? [], comment: 'written by skiff from the CNI result' };
    return renderResolvConf(src.cniDns.domain ? { ...input, domain: src.cniDns.domain } : input);
  }
  if (src.hostResolv === undefined) return undefined;
  const adapted = adaptHostResolvConf(src.hostResolv, src.ownNetwork);
  return /^\s*nameserver\s/m.test(adapted.text) ? adapted.text : undefined;
}

/** What each file should hold (pure); undefined = leave the image's file alone. */
export function planEtcFiles(src: EtcSources): EtcContents {
  const hosts = src.mode.hosts === 'stage0' || src.stage0Hosts !== undefined
    ? src.stage0Hosts
    : renderHosts({ hostname: src.hostname, entries: [], includeLocalhost: true });
  return { hostname: `${src.hostname}\n`, hosts, resolvConf: resolvContent(src) };
}

function readIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Reads the sources from the pod directory and the host. */
export function readEtcSources(podRoot: string, base: Pick<EtcSources, 'mode' | 'hostname' | 'ownNetwork' | 'cniDns'>): EtcSources {
  return {
    ...base,
    stage0Resolv: readIfExists(podResolvConfPath(podRoot)),
    stage0Hosts: readIfExists(podHostsPath(podRoot)),
    hostResolv: readIfExists('/etc/resolv.conf'),
  };
}

/** Writes the files and returns their paths for the OCI mounts. */
export function writeEtcFiles(podRoot: string, contents: EtcContents): PodEtcFiles {
  fs.mkdirSync(podEtcDir(podRoot), { recursive: true, mode: 0o755 });
  const files: PodEtcFiles = {};
  writeFileAtomic(podEtcFilePath(podRoot, 'hostname'), contents.hostname, 0o644, VOLATILE);
  files.hostname = podEtcFilePath(podRoot, 'hostname');
  if (contents.hosts !== undefined) {
    writeFileAtomic(podEtcFilePath(podRoot, 'hosts'), contents.hosts, 0o644, VOLATILE);
    files.hosts = podEtcFilePath(podRoot, 'hosts');
  }
  if (contents.resolvConf !== undefined) {
    writeFileAtomic(podEtcFilePath(podRoot, 'resolv.conf'), contents.resolvConf, 0o644, VOLATILE);
    files.resolvConf = podEtcFilePath(podRoot, 'resolv.conf');
  }
  return files;
}
