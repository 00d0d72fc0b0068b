// CNI network configurations (pure): the two built-in networks, user configs parsed from
// /etc/skiff/net.d, and the choice of networks for `--net=NAME[,NAME…]`.
//
// Built-ins (rkt's): `default` = a ptp veth pair per pod, host-local IPAM in 172.16.28.0/24,
// outbound traffic masqueraded; `default-restricted` = the same without masquerade (the pod
// reaches the host and nothing beyond) in 172.16.29.0/24 — its own subnet, because each
// network has its own host-local allocation store. Both chain portmap for `--port`.
// A user config with the same name replaces a built-in.
import { SkiffError } from '../../../common/errors.ts';
import type { CniNetworkList, CniPluginConf } from './cni-types.ts';

export const CNI_VERSION = '1.0.0';
export const DEFAULT_NETWORK = 'default';
export const DEFAULT_SUBNET = '172.16.28.0/24';
export const RESTRICTED_SUBNET = '172.16.29.0/24';

// A network name is a file name for host-local and a word in iptables comments.
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
// A plugin type is a file name in CNI_PATH: no slashes, no dot-dot.
const TYPE_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

function builtIn(name: string, subnet: string, ipMasq: boolean): CniNetworkList {
  return {
    cniVersion: CNI_VERSION,
    name,
    source: 'built-in',
    plugins: [
      {
        type: 'ptp',
        ipMasq,
        ipam: { type: 'host-local', ranges: [[{ subnet }]], routes: [{ dst: '0.0.0.0/0' }] },
      },
      { type: 'portmap', capabilities: { portMappings: true }, snat: true },
    ],
  };
}

export function builtInNetworks(): CniNetworkList[] {
  return [builtIn(DEFAULT_NETWORK, DEFAULT_SUBNET, true), builtIn('default-restricted', RESTRICTED_SUBNET, false)];
}

function invalid(file: string, what: string): SkiffError {
  return new SkiffError('STAGE1_FAILED', `network configuration ${file}: ${what}`, {
    hint: 'see the CNI specification for .conf and .conflist files',
  });
}

function checkPlugin(file: string, value: unknown): CniPluginConf {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(file, 'a plugin must be an object');
  const plugin = value as CniPluginConf;
  if (typeof plugin.type !== 'string' || !TYPE_RE.test(plugin.type)) {
    throw invalid(file, `plugin type ${JSON.stringify(plugin.type)} must be a plain binary name`);
  }
  return plugin;
}

/**
 * A `.conf` (one plugin, with cniVersion and name at its top) or a `.conflist` (`plugins`),
 * as a list. A `.conf`'s own keys stay in its one plugin, as CNI's libcni does.
 */
export function parseNetworkConfig(text: string, file: string): CniNetworkList {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw invalid(file, `not JSON (${(err as Error).message})`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw invalid(file, 'not a JSON object');
  const obj = doc as Record<string, unknown>;
  const name = obj['name'];
  if (typeof name !== 'string' || !NAME_RE.test(name)) throw invalid(file, `its name ${JSON.stringify(name)} must be letters, digits, dots, dashes or underscores`);
  const version = obj['cniVersion'] ?? CNI_VERSION;
  if (typeof version !== 'string') throw invalid(file, 'cniVersion must be a string');
  if (Array.isArray(obj['plugins'])) {
    const plugins = obj['plugins'].map((p) => checkPlugin(file, p));
    if (plugins.length === 0) throw invalid(file, 'it lists no plugins');
    return { cniVersion: version, name, plugins, source: file };
  }
  const { cniVersion: _v, name: _n, ...plugin } = obj;
  return { cniVersion: version, name, plugins: [checkPlugin(file, plugin)], source: file };
}

/** Whether a network chains a plugin that takes port mappings (CNI's `portMappings` capability). */
export function supportsPortMappings(net: CniNetworkList): boolean {
  return net.plugins.some((p) => p.capabilities?.['portMappings'] === true);
}

/**
 * The networks `--net` names, in order: a user config of that name first (the first file in
 * lexical order, as libcni loads them), else a built-in.
 */
export function selectNetworks(names: readonly string[], userConfigs: readonly CniNetworkList[]): CniNetworkList[] {
  const builtIns = builtInNetworks();
  return names.map((name) => {
    const found = userConfigs.find((c) => c.name === name) ?? builtIns.find((c) => c.name === name);
    if (found) return found;
    const known = [...new Set([...builtIns, ...userConfigs].map((c) => c.name))].join(', ');
    throw new SkiffError('USAGE', `no network named ${JSON.stringify(name)} (known: ${known})`, {
      hint: 'add a CNI configuration for it to /etc/skiff/net.d',
    });
  });
}
