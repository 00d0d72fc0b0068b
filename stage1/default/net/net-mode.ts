// `--net` → how the pod is networked (pure). Absent means `default` (docs/stage1-interface.md).
import { SkiffError } from '../../../common/errors.ts';
import { DEFAULT_NETWORK } from './cni-configs.ts';

export type NetMode =
  /** The host's network namespace: no namespace of the pod's own. */
  | { kind: 'host' }
  /** A network namespace with loopback only. */
  | { kind: 'none' }
  /** A network namespace joined to these CNI networks, in order (eth0, eth1…). */
  | { kind: 'cni'; networks: string[] };

export function parseNetMode(net: readonly string[] | undefined): NetMode {
  const names = net === undefined || net.length === 0 ? [DEFAULT_NETWORK] : [...net];
  const special = names.find((n) => n === 'host' || n === 'none');
  if (special !== undefined) {
    if (names.length > 1) throw new SkiffError('USAGE', `--net=${special} cannot be combined with other networks`);
    return { kind: special === 'host' ? 'host' : 'none' };
  }
  if (new Set(names).size !== names.length) throw new SkiffError('USAGE', `--net names a network twice: ${names.join(',')}`);
  return { kind: 'cni', networks: names };
}
