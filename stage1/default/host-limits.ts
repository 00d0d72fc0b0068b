// What the process that will run the OCI runtime may grant (buildOciSpec's HostLimits): its
// bounding set and its OOM score floor, read from /proc/self. Root in a restricted VM or a
// container may lack capabilities (here: CAP_SYS_RESOURCE); asking the runtime for them
// fails the pod at start. The parsers are pure; readHostLimits reads the files.
import fs from 'node:fs';
import { LINUX_CAPABILITIES } from '../../common/linux-names.ts';
import type { HostLimits } from './oci-spec/build-oci-spec.ts';

/** The capabilities in a /proc/PID/status `CapBnd:` hex mask, in the kernel's order. */
export function capabilitiesFromMask(hex: string): string[] {
  let mask = BigInt(`0x${hex.trim() || '0'}`);
  const out: string[] = [];
  for (let bit = 0; mask > 0n; bit++, mask >>= 1n) {
    const name = LINUX_CAPABILITIES[bit];
    if ((mask & 1n) === 1n && name !== undefined) out.push(name);
  }
  return out;
}

/** The bounding set named in a /proc/PID/status text, or undefined when it has no CapBnd line. */
export function boundingSetFromStatus(statusText: string): string[] | undefined {
  const m = /^CapBnd:\s*([0-9a-fA-F]+)\s*$/m.exec(statusText);
  return m?.[1] === undefined ? undefined : capabilitiesFromMask(m[1]);
}

/** HostLimits of this process; a file it cannot read imposes no ceiling. */
export function readHostLimits(): HostLimits {
  const limits: HostLimits = {};
  try {
    const caps = boundingSetFromStatus(fs.readFileSync('/proc/self/status', 'utf8'));
    if (caps !== undefined) limits.capabilities = caps;
  } catch {
    // no /proc: no ceiling known
  }
  try {
    const adj = Number(fs.readFileSync('/proc/self/oom_score_adj', 'utf8').trim());
    if (Number.isInteger(adj)) limits.oomScoreAdj = adj;
  } catch {
    // no /proc: no floor known
  }
  return limits;
}
