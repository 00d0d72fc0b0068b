// CNI ADD for each of the pod's networks, in order (eth0, eth1…), into the pod's persisted
// network namespace. Before a network's ADD its DEL steps are recorded (without a result),
// after it they are rewritten with the final result: whatever happens in between, the record
// lets the monitor or gc undo it. A failed ADD is undone at once (DEL of the whole list, as
// the CNI spec asks) and the networks before it are left to the caller's teardown.
import { SkiffError } from '../../../common/errors.ts';
import type { Host } from '../../../common/host.ts';
import type { Logger } from '../../../common/log.ts';
import type { PodNetworkStatus } from '../../../common/pod-net-status.ts';
import { delStdins, ifNameFor, pluginStdin } from './cni-chain.ts';
import type { RuntimeCapabilities } from './cni-chain.ts';
import { supportsPortMappings } from './cni-configs.ts';
import { writeCniRecord, writeDelConfig } from './cni-record.ts';
import type { CniTeardownRecord, CniTeardownStep } from './cni-record.ts';
import type { CniCallParams, CniDns, CniNetworkList, CniPortMapping, CniResult } from './cni-types.ts';
import { findPlugin } from './find-networks.ts';
import { runCniPlugin } from './run-cni.ts';

export interface SetupNetworksInput {
  podRoot: string;
  /** CNI_CONTAINERID: the pod's UUID. */
  containerId: string;
  /** The persisted network namespace (layout.podNetnsPath). */
  netns: string;
  networks: readonly CniNetworkList[];
  portMappings: readonly CniPortMapping[];
  cniPathDirs: readonly string[];
}

export interface NetworksSetUp {
  networks: PodNetworkStatus[];
  /** Nameservers etc. the networks returned, merged in network order. */
  dns: CniDns;
  record: CniTeardownRecord;
}

/** Which network gets the port mappings: the first that chains a portMappings plugin. */
export function portMappingNetwork(networks: readonly CniNetworkList[], mappings: readonly CniPortMapping[]): number | undefined {
  if (mappings.length === 0) return undefined;
  const index = networks.findIndex(supportsPortMappings);
  if (index < 0) {
    throw new SkiffError('USAGE', `--port needs a network with the portmap plugin, and ${networks.map((n) => n.name).join(', ')} has none`, {
      hint: 'use --net=default, or add {"type": "portmap", "capabilities": {"portMappings": true}} to the network configuration',
    });
  }
  return index;
}

function statusOf(net: CniNetworkList, ifName: string, result: CniResult | undefined): PodNetworkStatus {
  const ips = (result?.ips ?? []).map((ip) => (ip.gateway ? { address: ip.address, gateway: ip.gateway } : { address: ip.address }));
  return { name: net.name, ifName, ips };
}

function mergeDns(into: CniDns, dns: CniDns | undefined): void {
  for (const key of ['nameservers', 'search', 'options'] as const) {
    const values = dns?.[key];
    if (values && values.length > 0) into[key] = [...new Set([...(into[key] ?? []), ...values])];
  }
  if (dns?.domain && !into.domain) into.domain = dns.domain;
}

/** DEL of every plugin of a half-added network, last first; failures are logged, not thrown. */
function undoNetwork(host: Pick<Host, 'run'>, log: Logger, params: CniCallParams, steps: readonly CniTeardownStep[], stdins: readonly Record<string, unknown>[]): void {
  for (let k = steps.length - 1; k >= 0; k--) {
    try {
      runCniPlugin(host, steps[k]!.plugin, 'DEL', params, stdins[k]!);
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'CNI DEL after a failed ADD failed');
    }
  }
}

export function setupNetworks(ctx: { host: Pick<Host, 'run'>; log: Logger }, input: SetupNetworksInput): NetworksSetUp {
  const { podRoot } = input;
  const record: CniTeardownRecord = { containerId: input.containerId, cniPath: input.cniPathDirs.join(':'), steps: [] };
  const portNet = portMappingNetwork(input.networks, input.portMappings);
  const statuses: PodNetworkStatus[] = [];
  const dns: CniDns = {};
  input.networks.forEach((net, i) => {
    const ifName = ifNameFor(i);
    const caps: RuntimeCapabilities = i === portNet ? { portMappings: input.portMappings } : {};
    const plugins = net.plugins.map((p) => findPlugin(p.type, input.cniPathDirs));
    const params: CniCallParams = { containerId: input.containerId, netns: input.netns, ifName, cniPath: record.cniPath };
    const first = record.steps.length;
    const writeSteps = (result: CniResult | undefined): CniTeardownStep[] =>
      delStdins(net, caps, result).map((stdin, k) => {
        writeDelConfig(podRoot, first + k, stdin);
        return { network: net.name, plugin: plugins[k]!, ifName };
      });
    const steps = writeSteps(undefined);
    record.steps.push(...steps);
    writeCniRecord(podRoot, record);
    let result: CniResult | undefined;
    try {
      net.plugins.forEach((p, k) => {
        ctx.log.debug({ network: net.name, plugin: p.type, ifName }, 'CNI ADD');
        result = runCniPlugin(ctx.host, plugins[k]!, 'ADD', params, pluginStdin(net, p, caps, result));
      });
    } catch (err) {
      undoNetwork(ctx.host, ctx.log, params, steps, delStdins(net, caps, result));
      record.steps.splice(first);
      writeCniRecord(podRoot, record);
      throw err;
    }
    record.steps.splice(first, steps.length, ...writeSteps(result));
    writeCniRecord(podRoot, record);
    statuses.push(statusOf(net, ifName, result));
    mergeDns(dns, result?.dns);
  });
  return { networks: statuses, dns, record };
}
