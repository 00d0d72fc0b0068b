// The pod's networks as its stage1 set them up, in POD/net-status.json (layout.podNetStatusPath):
// written by the default stage1 once CNI ADD has succeeded, read by `skiff status` and `list`
// to show the pod's IP (stage0 never imports stage1, so the type and reader live here).
import fs from 'node:fs';
import { isIP } from 'node:net';
import { podNetStatusPath } from './layout.ts';

export const NET_STATUS_VERSION = 1;

export interface PodNetworkAddress {
  /** CIDR, as CNI reports it: `172.16.28.2/24`. */
  address: string;
  gateway?: string;
}

export interface PodNetworkStatus {
  /** The network's name (`default`, or a CNI config's name). */
  name: string;
  /** The interface inside the pod (`eth0`, `eth1`…). */
  ifName: string;
  ips: PodNetworkAddress[];
}

export interface PodNetStatus {
  version: typeof NET_STATUS_VERSION;
  /** `host`: the host's network; `none`: loopback only; `cni`: the networks below. */
  mode: 'host' | 'none' | 'cni';
  networks: PodNetworkStatus[];
}

function isAddress(v: unknown): v is PodNetworkAddress {
  const a = v as Partial<PodNetworkAddress> | null;
  return typeof a?.address === 'string' && (a.gateway === undefined || typeof a.gateway === 'string');
}

/** Validates a parsed net-status.json; undefined when it is not one this skiff understands. */
export function parsePodNetStatus(value: unknown): PodNetStatus | undefined {
  const v = value as Partial<PodNetStatus> | null;
  if (!v || v.version !== NET_STATUS_VERSION || !['host', 'none', 'cni'].includes(v.mode as string)) return undefined;
  if (!Array.isArray(v.networks)) return undefined;
  for (const n of v.networks as Partial<PodNetworkStatus>[]) {
    if (typeof n?.name !== 'string' || typeof n.ifName !== 'string' || !Array.isArray(n.ips) || !n.ips.every(isAddress)) return undefined;
  }
  return v as PodNetStatus;
}

/** The pod's net-status.json, or undefined when its stage1 wrote none (fly, or not started yet). */
export function readPodNetStatus(podRoot: string): PodNetStatus | undefined {
  try {
    return parsePodNetStatus(JSON.parse(fs.readFileSync(podNetStatusPath(podRoot), 'utf8')));
  } catch {
    return undefined;
  }
}

/** Every address of the pod, without prefix length, first network first: `['172.16.28.2']`. */
export function podIpAddresses(status: PodNetStatus | undefined): string[] {
  const out: string[] = [];
  for (const n of status?.networks ?? []) {
    for (const ip of n.ips) {
      const bare = ip.address.replace(/\/\d+$/, '');
      if (isIP(bare) !== 0) out.push(bare);
    }
  }
  return out;
}
