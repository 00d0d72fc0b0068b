// What each plugin of a network gets on stdin and in its environment (pure; CNI spec 1.0
// "Section 4: Plugin Delegation" and "Network configuration lists"):
// - ADD runs the plugins in order; each gets the list's cniVersion and name merged into its
//   own config, and from the second on the previous plugin's result as `prevResult`.
// - DEL runs them in reverse, each with the final ADD result as `prevResult` (the cached
//   result), so a plugin can find what it set up.
// - A plugin that declares a capability (`"capabilities": {"portMappings": true}`) gets the
//   runtime's value for it in `runtimeConfig`; the others never see it.
import type { CniCallParams, CniNetworkList, CniPluginConf, CniPortMapping, CniResult } from './cni-types.ts';

export type CniCommand = 'ADD' | 'DEL' | 'CHECK';

export interface RuntimeCapabilities {
  portMappings?: readonly CniPortMapping[];
}

/** The plugin's config as its stdin: the list's version and name, the capability values it asked for. */
export function pluginStdin(net: CniNetworkList, plugin: CniPluginConf, caps: RuntimeCapabilities, prevResult: CniResult | undefined): Record<string, unknown> {
  const conf: Record<string, unknown> = { cniVersion: net.cniVersion, name: net.name, ...plugin };
  const runtimeConfig: Record<string, unknown> = {};
  if (plugin.capabilities?.['portMappings'] === true && caps.portMappings && caps.portMappings.length > 0) {
    runtimeConfig['portMappings'] = caps.portMappings.map((m) => ({ ...m }));
  }
  if (Object.keys(runtimeConfig).length > 0) conf['runtimeConfig'] = runtimeConfig;
  if (prevResult !== undefined) conf['prevResult'] = prevResult;
  return conf;
}

/** The DEL stdin of every plugin, in ADD order (run them in reverse), with the final ADD result. */
export function delStdins(net: CniNetworkList, caps: RuntimeCapabilities, finalResult: CniResult | undefined): Record<string, unknown>[] {
  return net.plugins.map((p) => pluginStdin(net, p, caps, finalResult));
}

/** The CNI_* variables of a call, added to the caller's environment (plugins need its PATH for iptables). */
export function cniEnv(command: CniCommand, params: CniCallParams, base: NodeJS.ProcessEnv): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base)) if (v !== undefined && !k.startsWith('CNI_')) env[k] = v;
  env['CNI_COMMAND'] = command;
  env['CNI_CONTAINERID'] = params.containerId;
  env['CNI_NETNS'] = params.netns;
  env['CNI_IFNAME'] = params.ifName;
  env['CNI_PATH'] = params.cniPath;
  return env;
}

/** The pod's interface on its n-th network: eth0, eth1… */
export const ifNameFor = (index: number): string => `eth${index}`;
