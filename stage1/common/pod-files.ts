// The files stage1 writes in the pod directory for stage0 to read (docs/stage1-interface.md):
// `pid`, `started` and each app's exit status. All are written atomically, so a reader never
// sees half a number.
import fs from 'node:fs';
import { wrap } from '../../common/errors.ts';
import type { AppName } from '../../common/ids.ts';
import { appStatusDir, appStatusPath, podPidPath, podStartedPath } from '../../common/layout.ts';
import { VOLATILE, writeFileAtomic } from '../../common/write-atomic.ts';

/** `pid`: the process whose life is the pod's (for fly, the app's own pid). */
export function writePodPid(podRoot: string, pid: number): void {
  try {
    writeFileAtomic(podPidPath(podRoot), `${pid}\n`, 0o644, VOLATILE);
  } catch (err) {
    throw wrap(err, 'writing the pod pid file');
  }
}

/** The pid stage1 recorded, or undefined when there is none (not started, or unreadable). */
export function readPodPid(podRoot: string): number | undefined {
  let text: string;
  try {
    text = fs.readFileSync(podPidPath(podRoot), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw wrap(err, 'reading the pod pid file');
  }
  const pid = Number(text.trim());
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

/** `started`: an empty file whose mtime is the moment the apps were started. */
export function markPodStarted(podRoot: string): void {
  try {
    writeFileAtomic(podStartedPath(podRoot), '');
  } catch (err) {
    throw wrap(err, 'writing the pod started marker');
  }
}

/** `stage1/rootfs/skiff/status/<app>`: the app's exit status, in decimal. */
export function writeAppStatus(podRoot: string, app: AppName, status: number): void {
  try {
    fs.mkdirSync(appStatusDir(podRoot), { recursive: true, mode: 0o755 });
    writeFileAtomic(appStatusPath(podRoot, app), `${status}\n`);
  } catch (err) {
    throw wrap(err, `writing the exit status of app ${app}`);
  }
}
