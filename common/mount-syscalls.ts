// mount(8) invocations as the mount(2) calls they make, for the forms skiff's own path uses:
// a typed mount whose options are filesystem data (an overlay's lowerdir=…), with ro/nosuid/
// nodev/noexec as flags. Anything else (binds, remounts, propagation, data over a page) is
// left to mount(8), whose handling of those has corners worth not repeating.

export interface MountSyscall {
  source: string;
  target: string;
  fstype: string;
  flags: number;
  data: string | null;
}

const FLAG_OPTIONS: Readonly<Record<string, number>> = { ro: 1, nosuid: 2, nodev: 4, noexec: 8 };
/** mount(2) copies at most one page of data; mount(8) uses the new mount API beyond that. */
const MAX_DATA = 4000;

export function mountSyscalls(source: string, target: string, opts: { type?: string; options?: string; flags?: readonly string[] }): MountSyscall | undefined {
  if (!opts.type || (opts.flags && opts.flags.length > 0)) return undefined;
  let flags = 0;
  const data: string[] = [];
  for (const o of (opts.options ?? '').split(',')) {
    if (o === '') continue;
    const flag = FLAG_OPTIONS[o];
    if (flag !== undefined) flags |= flag;
    else if (o.includes('=')) data.push(o);
    else return undefined;
  }
  const joined = data.join(',');
  if (joined.length > MAX_DATA) return undefined;
  return { source, target, fstype: opts.type, flags, data: joined === '' ? null : joined };
}
