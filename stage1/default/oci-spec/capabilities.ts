// Capability sets: appc's isolators define the bounding set only; the OCI process needs all
// five sets, and how they are filled depends on whether the app runs as root.
import { LINUX_CAPABILITIES, isLinuxCapability } from '../../../common/linux-names.ts';
import type { CapsIsolator } from './isolators.ts';
import type { OciCapabilities } from './oci-runtime-types.ts';

/** appc's default bounding set (spec/ace.md, os/linux/capabilities-remove-set). */
export const APPC_DEFAULT_CAPABILITIES: readonly string[] = Object.freeze([
  'CAP_AUDIT_WRITE',
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_KILL',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_NET_BIND_SERVICE',
  'CAP_SETUID',
  'CAP_SETGID',
  'CAP_SETPCAP',
  'CAP_SETFCAP',
  'CAP_SYS_CHROOT',
]);

export interface CapabilitySet {
  /** In the kernel's order (capability.h numbers), without duplicates. */
  caps: string[];
  warnings: string[];
}

const kernelOrder = (caps: Iterable<string>): string[] =>
  [...new Set(caps)].sort((a, b) => LINUX_CAPABILITIES.indexOf(a) - LINUX_CAPABILITIES.indexOf(b));

/**
 * The app's bounding set: every capability with `insecure`; else a retain set replaces the
 * default set and a remove set takes from it. Names the kernel does not define are dropped
 * with a warning (a typo must not change the set unnoticed). With `hostCaps` (the bounding
 * set of the process that runs the runtime), capabilities the host lacks are left out — the
 * runtime could not grant them and would fail the pod — with a warning unless `insecure`
 * ("everything the host allows" is what insecure asks for).
 */
export function boundingSet(
  isolator: CapsIsolator | undefined,
  insecure: boolean,
  hostCaps: readonly string[] | undefined,
  appName: string,
): CapabilitySet {
  const warnings: string[] = [];
  let wanted: readonly string[];
  if (insecure) wanted = LINUX_CAPABILITIES;
  else if (isolator === undefined) wanted = APPC_DEFAULT_CAPABILITIES;
  else {
    const known = isolator.set.filter(isLinuxCapability);
    for (const c of isolator.set.filter((c) => !isLinuxCapability(c))) {
      warnings.push(`app ${appName}: ${c} is not a Linux capability; ignored in its capabilities-${isolator.mode}-set`);
    }
    wanted = isolator.mode === 'retain' ? known : APPC_DEFAULT_CAPABILITIES.filter((c) => !known.includes(c));
  }
  if (hostCaps === undefined) return { caps: kernelOrder(wanted), warnings };
  const missing = wanted.filter((c) => !hostCaps.includes(c));
  if (!insecure && missing.length > 0) {
    warnings.push(`app ${appName}: the host does not grant ${missing.join(', ')}; left out of the app's capabilities`);
  }
  return { caps: kernelOrder(wanted.filter((c) => hostCaps.includes(c))), warnings };
}

/**
 * The OCI process capabilities for a bounding set. Root gets the whole set effective and
 * permitted, as a root process would on the host. Any other user starts with none: after
 * the runtime's setuid an unprivileged process holds no capabilities (capabilities(7)),
 * and only a file capability or set-user-ID binary could raise them within the bounding
 * set — which no-new-privileges then forbids. Inheritable and ambient stay empty
 * (CVE-2022-24769: an inheritable set lets file capabilities bypass the bounding intent).
 */
export function processCapabilities(bounding: readonly string[], uid: number): OciCapabilities {
  const held = uid === 0 ? [...bounding] : [];
  return { bounding: [...bounding], effective: held, permitted: [...held], inheritable: [], ambient: [] };
}
