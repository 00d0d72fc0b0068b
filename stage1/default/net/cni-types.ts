// The shapes of CNI (spec 1.0) that the default stage1 reads and writes: network
// configuration lists, plugin results, and the port mappings capability.

/** One plugin of a network: its `type` names the binary in CNI_PATH; the rest is the plugin's. */
export interface CniPluginConf {
  type: string;
  capabilities?: Record<string, boolean>;
  [key: string]: unknown;
}

/** A network configuration list (a `.conflist`, or a single `.conf` as a list of one). */
export interface CniNetworkList {
  cniVersion: string;
  /** The network's name: what `--net=NAME` asks for. */
  name: string;
  plugins: CniPluginConf[];
  /** Where it came from, for messages: a file, or `built-in`. */
  source: string;
}

export interface CniIpConfig {
  address: string;
  gateway?: string;
  interface?: number;
}

export interface CniDns {
  nameservers?: string[];
  domain?: string;
  search?: string[];
  options?: string[];
}

/** What ADD returns (and what the next plugin gets as prevResult). */
export interface CniResult {
  cniVersion?: string;
  interfaces?: { name: string; mac?: string; sandbox?: string }[];
  ips?: CniIpConfig[];
  routes?: { dst: string; gw?: string }[];
  dns?: CniDns;
  [key: string]: unknown;
}

/** The `portMappings` capability's runtimeConfig entry (the portmap plugin's input). */
export interface CniPortMapping {
  hostPort: number;
  containerPort: number;
  protocol: string;
  hostIP?: string;
}

/** The environment of a plugin call (CNI spec "Parameters"), CNI_COMMAND aside. */
export interface CniCallParams {
  containerId: string;
  /** A path to the network namespace: the pod's persisted netns. */
  netns: string;
  ifName: string;
  /** Directories searched for plugin binaries, `:`-separated. */
  cniPath: string;
}
