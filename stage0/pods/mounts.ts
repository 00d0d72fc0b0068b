// Mounting pod root filesystems (overlay on tree-store trees, or nothing for copies) and
// unmounting everything under a pod, deepest first, detaching what is busy.
import type { Host } from '../../common/host.ts';
import { SkiffError } from '../../common/errors.ts';

/** Unescapes the octal escapes (\040 for space…) of /proc/self/mountinfo fields. */
function unescapeMountPath(p: string): string {
  return p.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Mount points at or under `dir`, deepest first (pure: takes the text of /proc/self/mountinfo). */
export function mountsUnder(mountinfo: string, dir: string): string[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  const points: string[] = [];
  for (const line of mountinfo.split('\n')) {
    const fields = line.split(' ');
    const point = fields[4];
    if (point === undefined) continue;
    const p = unescapeMountPath(point);
    if (p === dir || p.startsWith(prefix)) points.push(p);
  }
  // Later mounts stack on earlier ones: undo them in reverse order, deepest paths first.
  return points.reverse().sort((a, b) => b.split('/').length - a.split('/').length);
}

export function isMountPoint(host: Host, dir: string): boolean {
  return mountsUnder(host.readProcFile('self/mountinfo'), dir).includes(dir);
}

/** Unmounts everything under dir. A busy mount is detached (lazy), so gc never gets stuck. */
export function unmountAllUnder(host: Host, dir: string): number {
  let count = 0;
  for (let pass = 0; pass < 4; pass++) {
    const points = mountsUnder(host.readProcFile('self/mountinfo'), dir);
    if (points.length === 0) return count;
    for (const p of points) {
      try {
        host.umount(p);
      } catch {
        try {
          host.umount(p, { lazy: true });
        } catch {
          // Already gone (unmounted with its parent): the next pass re-reads mountinfo.
          continue;
        }
      }
      count++;
    }
  }
  const left = mountsUnder(host.readProcFile('self/mountinfo'), dir);
  if (left.length > 0) throw new SkiffError('IO', `cannot unmount ${left[0]} (and ${left.length - 1} more)`);
  return count;
}

/** The lowerdir list of an overlay: top layer first, as overlayfs wants it. */
export function overlayOptions(lowersBottomUp: readonly string[], upper: string, work: string): string {
  for (const p of [...lowersBottomUp, upper, work]) {
    if (/[,:\\]/.test(p)) throw new SkiffError('IO', `cannot use ${p} in an overlay mount: it contains , : or \\`, { hint: 'use a --dir without those characters' });
  }
  return `lowerdir=${[...lowersBottomUp].reverse().join(':')},upperdir=${upper},workdir=${work}`;
}

export function mountOverlay(host: Host, lowersBottomUp: readonly string[], upper: string, work: string, target: string): void {
  host.mount('overlay', target, { type: 'overlay', options: overlayOptions(lowersBottomUp, upper, work) });
}
