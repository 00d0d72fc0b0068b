// The app's /etc/resolv.conf and /etc/hosts, per --dns-conf-mode (rkt's modes):
//   resolv=stage0|default  copy stage1/rootfs/etc/skiff-resolv.conf when stage0 wrote it
//   resolv=host            copy the host's /etc/resolv.conf
//   resolv=none            leave the image's file alone
//   hosts=stage0|default   copy stage1/rootfs/etc/skiff-hosts when stage0 wrote it; with
//                          `default` and no such file, give an image without /etc/hosts a
//                          localhost one
//   hosts=host             copy the host's /etc/hosts
// Files are copied, not bind-mounted: a bind onto a file pins the inode, so an image that
// ships a symlink there, or a tool that rewrites the file by rename, would break it. Writes go
// through writeFileInRoot: a symlink in the image is replaced, never followed.
import fs from 'node:fs';
import type { Logger } from '../../common/log.ts';
import { podHostsPath, podResolvConfPath } from '../../common/layout.ts';
import type { DnsConfMode } from './entrypoint-args.ts';
import { resolveInRoot, writeFileInRoot } from './resolve-in-root.ts';

const HOST_RESOLV_CONF = '/etc/resolv.conf';
const HOST_HOSTS = '/etc/hosts';
const FALLBACK_HOSTS = '127.0.0.1\tlocalhost localhost.localdomain\n::1\tlocalhost ip6-localhost ip6-loopback\n';

function readIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function resolvSource(podRoot: string, mode: DnsConfMode['resolv']): string | undefined {
  if (mode === 'none') return undefined;
  return readIfExists(mode === 'host' ? HOST_RESOLV_CONF : podResolvConfPath(podRoot));
}

function hostsSource(podRoot: string, appRoot: string, mode: DnsConfMode['hosts']): string | undefined {
  if (mode === 'host') return readIfExists(HOST_HOSTS);
  const text = readIfExists(podHostsPath(podRoot));
  if (text !== undefined || mode === 'stage0') return text;
  return resolveInRoot(appRoot, '/etc/hosts').exists ? undefined : FALLBACK_HOSTS;
}

export function installDnsFiles(podRoot: string, appRoot: string, mode: DnsConfMode, log: Logger): void {
  const resolv = resolvSource(podRoot, mode.resolv);
  if (resolv !== undefined) {
    log.debug({ mode: mode.resolv }, 'writing /etc/resolv.conf');
    writeFileInRoot(appRoot, '/etc/resolv.conf', resolv);
  }
  const hosts = hostsSource(podRoot, appRoot, mode.hosts);
  if (hosts !== undefined) {
    log.debug({ mode: mode.hosts }, 'writing /etc/hosts');
    writeFileInRoot(appRoot, '/etc/hosts', hosts);
  }
}
