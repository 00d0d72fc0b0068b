// The pod's network, once its sandbox exists: nothing more for `host` and `none` (the
// sandbox brought loopback up), CNI ADD for named networks. For CNI the sandbox's network
// namespace is first bind-mounted at POD/netns, so it outlives the sandbox: CNI DEL needs it
// (ptp removes its masquerade rules only from inside it), also from gc after a crash.
// net-status.json says what the pod got, for `skiff status` and `list`.
import fs from 'node:fs';
import { wrap } from '../../common/errors.ts';
import { podNetStatusPath, podNetnsPath } from '../../common/layout.ts';
import { NET_STATUS_VERSION } from '../../common/pod-net-status.ts';
import type { PodNetStatus } from '../../common/pod-net-status.ts';
import { VOLATILE, writeJsonAtomic } from '../../common/write-atomic.ts';
import type { Stage1Ctx } from '../common/stage1-context.ts';
import type { CniTeardownRecord } from './net/cni-record.ts';
import type { CniDns, CniNetworkList, CniPortMapping } from './net/cni-types.ts';
import { cniPathDirs } from './net/find-networks.ts';
import type { NetMode } from './net/net-mode.ts';
import { setupNetworks } from './net/setup-networks.ts';

export interface PodNetworkInput {
  mode: NetMode;
  /** The CNI configurations of mode.networks, in order. */
  networks: readonly CniNetworkList[];
  portMappings: readonly CniPortMapping[];
  containerId: string;
  sandboxPid: number;
  env: NodeJS.ProcessEnv;
}

export interface PodNetwork {
  status: PodNetStatus;
  dns: CniDns | undefined;
  /** The CNI teardown record and the persisted netns, with CNI networks. */
  cni?: { record: CniTeardownRecord; netns: string };
}

function persistNetns(ctx: Stage1Ctx, sandboxPid: number): string {
  const netns = podNetnsPath(ctx.podRoot);
  try {
    fs.closeSync(fs.openSync(netns, 'w', 0o600));
    ctx.host.mount(`/proc/${sandboxPid}/ns/net`, netns, { flags: ['--bind'] });
  } catch (err) {
    throw wrap(err, "persisting the pod's network namespace");
  }
  return netns;
}

export function setupPodNetwork(ctx: Stage1Ctx, input: PodNetworkInput): PodNetwork {
  let net: PodNetwork;
  if (input.mode.kind !== 'cni') {
    net = { status: { version: NET_STATUS_VERSION, mode: input.mode.kind, networks: [] }, dns: undefined };
  } else {
    const netns = persistNetns(ctx, input.sandboxPid);
    const set = setupNetworks(ctx, {
      podRoot: ctx.podRoot,
      containerId: input.containerId,
      netns,
      networks: input.networks,
      portMappings: input.portMappings,
      cniPathDirs: cniPathDirs(input.env),
    });
    net = { status: { version: NET_STATUS_VERSION, mode: 'cni', networks: set.networks }, dns: set.dns, cni: { record: set.record, netns } };
    ctx.log.debug({ networks: set.networks }, 'networks set up');
  }
  writeJsonAtomic(podNetStatusPath(ctx.podRoot), net.status, 0o644, VOLATILE);
  return net;
}
