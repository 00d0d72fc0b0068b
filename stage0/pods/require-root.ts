import type { Host } from '../../common/host.ts';
import { SkiffError } from '../../common/errors.ts';

/** prepare, run, run-prepared, enter, stop, rm and gc mount, lock and signal: they need root. */
export function requireRoot(host: Host, command: string): void {
  if (host.geteuid() !== 0) {
    throw new SkiffError('NEEDS_ROOT', `skiff ${command} needs root (mounts, namespaces and pod locks)`, {
      hint: 'run it as root, e.g. with sudo',
    });
  }
}
