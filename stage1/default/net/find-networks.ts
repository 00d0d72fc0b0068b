// Where CNI configurations and plugins are found on the host. User configurations live in
// /etc/skiff/net.d (`*.conf`, `*.conflist`, `*.json`, read in lexical order, as libcni
// does); SKIFF_CNI_CONFIG_DIR names another directory (tests, packagers). Plugins are
// looked for in Debian's /usr/lib/cni, then the upstream /opt/cni/bin (SKIFF_CNI_PATH
// replaces the list).
import fs from 'node:fs';
import path from 'node:path';
import { SkiffError, wrap } from '../../../common/errors.ts';
import { parseNetworkConfig } from './cni-configs.ts';
import type { CniNetworkList } from './cni-types.ts';

export const DEFAULT_CNI_CONFIG_DIR = '/etc/skiff/net.d';
export const DEFAULT_CNI_PATH = ['/usr/lib/cni', '/usr/libexec/cni', '/opt/cni/bin'];
const CONFIG_EXTENSIONS = new Set(['.conf', '.conflist', '.json']);

export function cniConfigDir(env: NodeJS.ProcessEnv): string {
  return env['SKIFF_CNI_CONFIG_DIR'] || DEFAULT_CNI_CONFIG_DIR;
}

export function cniPathDirs(env: NodeJS.ProcessEnv): string[] {
  const given = env['SKIFF_CNI_PATH'];
  return given ? given.split(':').filter((d) => d.startsWith('/')) : [...DEFAULT_CNI_PATH];
}

/** Every configuration in `dir` ([] when it does not exist), in lexical file order. */
export function readUserNetworks(dir: string): CniNetworkList[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => CONFIG_EXTENSIONS.has(path.extname(n))).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw wrap(err, `reading the network configurations in ${dir}`);
  }
  return names.map((n) => {
    const file = path.join(dir, n);
    return parseNetworkConfig(fs.readFileSync(file, 'utf8'), file);
  });
}

/** The plugin binary for `type`: the first executable file of that name in the CNI path. */
export function findPlugin(type: string, dirs: readonly string[]): string {
  for (const dir of dirs) {
    const file = path.join(dir, type);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {
      // not in this directory
    }
  }
  throw new SkiffError('TOOL_MISSING', `the CNI plugin ${type} was not found (looked in ${dirs.join(':')})`, {
    hint: 'install the Debian package containernetworking-plugins',
  });
}
