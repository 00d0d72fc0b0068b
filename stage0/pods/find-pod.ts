// Finding pods: every pod directory in every state dir, and one pod by UUID, unique UUID
// prefix, or --uuid-file.
import fs from 'node:fs';
import type { Ctx } from '../../common/context.ts';
import { SkiffError } from '../../common/errors.ts';
import { parsePodUuid, type PodUuid } from '../../common/ids.ts';
import * as layout from '../../common/layout.ts';
import { classifyPod, type PodState } from '../../common/pod-state.ts';
import type { ProcLock } from '../../common/proc-locks.ts';
import { podLockHolder, readLocks } from './pod-lock.ts';

export interface PodRef {
  uuid: PodUuid;
  dir: layout.PodStateDir;
  root: string;
  state: PodState;
}

export function observePod(dataDir: string, dir: layout.PodStateDir, uuid: PodUuid, locks: readonly ProcLock[]): PodRef {
  const root = layout.podDir(dataDir, dir, uuid);
  const holder = podLockHolder(locks, root);
  return { uuid, dir, root, state: classifyPod({ dir, locked: holder !== undefined }) };
}

export function listPodRefs(ctx: Pick<Ctx, 'dataDir' | 'host'>): PodRef[] {
  const locks = readLocks(ctx.host);
  const out: PodRef[] = [];
  for (const dir of layout.POD_STATES) {
    let names: string[];
    try {
      names = fs.readdirSync(layout.podStateDir(ctx.dataDir, dir));
    } catch {
      continue;
    }
    for (const name of names) {
      let uuid: PodUuid;
      try {
        uuid = parsePodUuid(name);
      } catch {
        continue; // not a pod (a stray file); gc leaves it alone
      }
      out.push(observePod(ctx.dataDir, dir, uuid, locks));
    }
  }
  return out;
}

/** Reads a UUID from `--uuid-file=F` (as written by --uuid-file-save). */
export function readUuidFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new SkiffError('POD_NOT_FOUND', `cannot read the UUID file ${file}`, { cause: err });
  }
}

export function findPod(ctx: Pick<Ctx, 'dataDir' | 'host'>, ref: string): PodRef {
  const want = ref.toLowerCase();
  if (!/^[0-9a-f-]+$/.test(want)) throw new SkiffError('USAGE', `${JSON.stringify(ref)} is not a pod UUID or UUID prefix`);
  const matches = listPodRefs(ctx).filter((p) => p.uuid.startsWith(want));
  const uuids = new Set(matches.map((p) => p.uuid));
  if (uuids.size === 0) throw new SkiffError('POD_NOT_FOUND', `no pod ${ref}`, { hint: 'see `skiff list`' });
  if (uuids.size > 1) {
    throw new SkiffError('POD_AMBIGUOUS', `${ref} matches ${uuids.size} pods`, { hint: `give more of the UUID: ${[...uuids].join(', ')}` });
  }
  // A pod caught mid-rename can show up in two dirs for an instant: take the later state.
  return matches.at(-1)!;
}

/** Moves a pod to another state dir (atomic rename; the caller holds the pod's lock). */
export function movePod(dataDir: string, pod: PodRef, to: layout.PodStateDir): PodRef {
  const root = layout.podDir(dataDir, to, pod.uuid);
  try {
    fs.renameSync(pod.root, root);
  } catch (err) {
    // A state dir removed by hand (ensureStore makes them all): make it again, or gc could
    // never move the pod on to unmount and remove it.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || !fs.existsSync(pod.root)) throw err;
    fs.mkdirSync(layout.podStateDir(dataDir, to), { recursive: true, mode: 0o755 });
    fs.renameSync(pod.root, root);
  }
  return { ...pod, dir: to, root };
}
