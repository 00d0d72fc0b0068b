// App options → appc isolators, named and shaped as the appc spec (spec/ace.md) defines
// them, and merged over the image manifest's own isolators with the command line winning.
import type { Isolator } from '../../common/appc-types.ts';
import { ISOLATOR_NAMES } from '../../common/isolator-names.ts';
import type { ParsedAppOptions } from './app-options.ts';

export { ISOLATOR_NAMES };

/**
 * Isolators that exclude each other (appc: a retain set "cannot be used in conjunction
 * with" the remove set), so setting one from the command line drops both from the image.
 */
const EXCLUSIVE_GROUPS: readonly (readonly string[])[] = [
  [ISOLATOR_NAMES.capsRetain, ISOLATOR_NAMES.capsRemove],
  [ISOLATOR_NAMES.seccompRetain, ISOLATOR_NAMES.seccompRemove],
];

/** The isolators the command line asks for, in a fixed order. */
export function appIsolators(opts: ParsedAppOptions): Isolator[] {
  const out: Isolator[] = [];
  // appc resource quantities are strings. Memory goes out in plain bytes and CPU in
  // millicores so that no reader has to agree with us on what "M" means; request is left
  // out because appc defaults it to the limit.
  if (opts.memoryBytes !== undefined) {
    out.push({ name: ISOLATOR_NAMES.memory, value: { limit: String(opts.memoryBytes) } });
  }
  if (opts.cpuMillicores !== undefined) {
    out.push({ name: ISOLATOR_NAMES.cpu, value: { limit: `${opts.cpuMillicores}m` } });
  }
  if (opts.cpuShares !== undefined) out.push({ name: ISOLATOR_NAMES.cpuShares, value: opts.cpuShares });
  if (opts.oomScoreAdj !== undefined) out.push({ name: ISOLATOR_NAMES.oomScoreAdj, value: opts.oomScoreAdj });
  if (opts.capsRetain) out.push({ name: ISOLATOR_NAMES.capsRetain, value: { set: [...opts.capsRetain] } });
  if (opts.capsRemove) out.push({ name: ISOLATOR_NAMES.capsRemove, value: { set: [...opts.capsRemove] } });
  if (opts.seccomp) {
    const name = opts.seccomp.mode === 'retain' ? ISOLATOR_NAMES.seccompRetain : ISOLATOR_NAMES.seccompRemove;
    const value = opts.seccomp.errno === undefined
      ? { set: [...opts.seccomp.set] }
      : { set: [...opts.seccomp.set], errno: opts.seccomp.errno };
    out.push({ name, value });
  }
  if (opts.noNewPrivileges !== undefined) out.push({ name: ISOLATOR_NAMES.noNewPrivileges, value: opts.noNewPrivileges });
  return out;
}

function namesReplacedBy(name: string): readonly string[] {
  return EXCLUSIVE_GROUPS.find((group) => group.includes(name)) ?? [name];
}

/**
 * The image's isolators with every one the command line sets (or excludes) taken out,
 * then the command line's appended. Image isolators keep their order.
 */
export function mergeIsolators(image: readonly Isolator[] | undefined, cli: readonly Isolator[]): Isolator[] {
  const replaced = new Set(cli.flatMap((i) => namesReplacedBy(i.name)));
  return [...(image ?? []).filter((i) => !replaced.has(i.name)), ...cli];
}
