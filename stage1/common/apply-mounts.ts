// Making the planned mounts, through the Host seam (so the sequence is unit-tested with a
// recording fake). Every target is created inside the app's root with resolveInRoot's rules.
//
// Propagation: every bind is made a slave (`--make-rslave`). Mounts the host makes later
// under /dev or a volume's source still show up in the app, but nothing made or unmounted
// under the pod directory travels back: `umount -R` of the pod at gc can never unmount the
// host's own /sys/fs/cgroup or a volume's submounts through a shared peer group.
import fs from 'node:fs';
import type { Host } from '../../common/host.ts';
import type { Logger } from '../../common/log.ts';
import { wrap } from '../../common/errors.ts';
import { emptyVolumePath, podVolumesDir } from '../../common/layout.ts';
import type { VolumeMount } from './mount-plan.ts';
import { submountsUnder } from './mount-plan.ts';
import { ensurePathInRoot } from './resolve-in-root.ts';

export interface MountCtx {
  host: Host;
  log: Logger;
  podRoot: string;
  appRoot: string;
}

/** Binds each host file system (/proc, /sys, /dev) recursively onto the same path in the app's root. */
export function bindSystemMounts(ctx: MountCtx, sources: readonly string[]): void {
  for (const source of sources) {
    const target = ensurePathInRoot(ctx.appRoot, source, 'dir');
    ctx.log.debug({ source, target }, 'binding host file system');
    ctx.host.mount(source, target, { flags: ['--rbind', '--make-rslave'] });
  }
}

/** Whether a volume's host source is a directory or a file (the target inside must match). */
export function hostSourceKind(source: string): 'dir' | 'file' {
  let st: fs.Stats;
  try {
    st = fs.statSync(source);
  } catch (err) {
    throw wrap(err, `its source ${source} cannot be used`);
  }
  return st.isDirectory() ? 'dir' : 'file';
}

/** The backing directory of an empty volume, created with its mode and owner the first time. */
export function ensureEmptyVolume(podRoot: string, source: Extract<VolumeMount['source'], { kind: 'empty' }>): string {
  const dir = emptyVolumePath(podRoot, source.volume);
  try {
    fs.mkdirSync(podVolumesDir(podRoot), { recursive: true, mode: 0o755 });
    fs.mkdirSync(dir, 0o700);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return dir; // another app of the pod made it
    throw wrap(err, `creating empty volume ${source.volume}`);
  }
  // Made 0700 then opened up: nobody sees it with the umask's mode and the wrong owner.
  fs.chownSync(dir, source.uid, source.gid);
  fs.chmodSync(dir, source.mode);
  return dir;
}

function remountReadOnly(ctx: MountCtx, target: string): void {
  ctx.host.mount('none', target, { options: 'remount,bind,ro' });
}

function mountVolume(ctx: MountCtx, m: VolumeMount): void {
  const source = m.source.kind === 'host' ? m.source.path : ensureEmptyVolume(ctx.podRoot, m.source);
  const kind = m.source.kind === 'host' ? hostSourceKind(m.source.path) : 'dir';
  const target = ensurePathInRoot(ctx.appRoot, m.target, kind);
  ctx.log.debug({ volume: m.volume, source, target, readOnly: m.readOnly, recursive: m.recursive }, 'mounting volume');
  ctx.host.mount(source, target, { flags: [m.recursive ? '--rbind' : '--bind', '--make-rslave'] });
  if (!m.readOnly) return;
  remountReadOnly(ctx, target);
  if (!m.recursive) return;
  // A remount changes one mount only: every submount the recursive bind brought along
  // needs its own (rkt fly does the same).
  for (const sub of submountsUnder(ctx.host.readProcFile('self/mountinfo'), target)) remountReadOnly(ctx, sub);
}

export function applyVolumeMounts(ctx: MountCtx, mounts: readonly VolumeMount[]): void {
  for (const m of mounts) {
    try {
      mountVolume(ctx, m);
    } catch (err) {
      throw wrap(err, `mounting volume ${m.volume} at ${m.target}`);
    }
  }
}
