// The pod lifecycle. On disk a pod's state is the directory it sits in plus whether its
// lock is held; this module turns those two facts into one state and says what each state
// allows, so commands ask `canRemove(state)` instead of juggling rkt's ten booleans.
//
//   embryo → preparing → prepared → run → exited-garbage → (deleted)
//                ↘ (prepare died) aborted-prepare → garbage → (deleted)
//
// Who holds the lock: `prepare` while in preparing/; stage1 for the pod's whole life in
// run/; `gc`/`rm` while deleting from exited-garbage/ or garbage/.
import type { PodStateDir } from './layout.ts';

export const POD_STATE_NAMES = [
  'embryo',
  'preparing',
  'prepared',
  'running',
  'exited',
  'exited-garbage',
  'garbage',
  'aborted-prepare',
  'deleting',
] as const;
export type PodState = (typeof POD_STATE_NAMES)[number];

export interface PodObservation {
  /** The pods/<dir>/ the pod directory was found in. */
  dir: PodStateDir;
  /** Whether someone holds the pod directory's flock (a shared-lock attempt failed). */
  locked: boolean;
}

/**
 * The state implied by where the pod is and whether it is locked (rkt refreshState).
 * In the dirs whose lock matters, the unlocked reading is what is left after a crash:
 * nobody preparing → the prepare aborted; nobody running → the pod exited.
 */
export function classifyPod(obs: PodObservation): PodState {
  switch (obs.dir) {
    case 'embryo':
      return 'embryo';
    case 'preparing':
      return obs.locked ? 'preparing' : 'aborted-prepare';
    case 'prepared':
      // run-prepared locks a prepared pod only for the instant before renaming it into
      // run/, so the lock says nothing here (as rkt, which does not test it).
      return 'prepared';
    case 'run':
      return obs.locked ? 'running' : 'exited';
    case 'exited-garbage':
      return obs.locked ? 'deleting' : 'exited-garbage';
    case 'garbage':
      return obs.locked ? 'deleting' : 'garbage';
  }
}

/** `run-prepared` starts only prepared pods. */
export function canRun(state: PodState): boolean {
  return state === 'prepared';
}

/** `stop` signals a live pod; anything else has no process to stop. */
export function canStop(state: PodState): boolean {
  return state === 'running';
}

/** `enter` needs the pod's namespaces, which exist only while it runs. */
export function canEnter(state: PodState): boolean {
  return state === 'running';
}

/**
 * `rm` refuses pods someone is working on (running, being prepared or deleted): removing
 * them would pull the tree out from under their lock holder (rkt rm.go).
 */
export function canRemove(state: PodState): boolean {
  switch (state) {
    case 'prepared':
    case 'exited':
    case 'exited-garbage':
    case 'garbage':
    case 'aborted-prepare':
      return true;
    case 'embryo':
    case 'preparing':
    case 'running':
    case 'deleting':
      return false;
  }
}

/** What `gc` does with a pod in each state (rkt gc.go); 'none' means leave it alone. */
export type GcStep =
  | { action: 'none' }
  /** Exited pods first become exited-garbage; their grace period runs from that rename. */
  | { action: 'mark-exited-garbage' }
  /** Deleted once older than the grace period (rkt: ctime of the dir). */
  | { action: 'delete-after-grace-period' }
  /** Prepared pods that nobody ran before the expiry, and aborted prepares. */
  | { action: 'move-to-garbage'; onlyIfExpired: boolean }
  | { action: 'delete' };

export function gcStepFor(state: PodState): GcStep {
  switch (state) {
    case 'exited':
      return { action: 'mark-exited-garbage' };
    case 'exited-garbage':
      return { action: 'delete-after-grace-period' };
    case 'prepared':
      return { action: 'move-to-garbage', onlyIfExpired: true };
    case 'aborted-prepare':
      return { action: 'move-to-garbage', onlyIfExpired: false };
    case 'garbage':
      return { action: 'delete' };
    case 'embryo':
    case 'preparing':
    case 'running':
    case 'deleting':
      return { action: 'none' };
  }
}

/** Whether `gc` has anything to do with a pod in this state. */
export function canGc(state: PodState): boolean {
  return gcStepFor(state).action !== 'none';
}

/** A pod that has finished one way or another (for `status --wait`): deleting only ever follows those. */
export function isFinished(state: PodState): boolean {
  switch (state) {
    case 'exited':
    case 'exited-garbage':
    case 'garbage':
    case 'aborted-prepare':
    case 'deleting':
      return true;
    case 'embryo':
    case 'preparing':
    case 'prepared':
    case 'running':
      return false;
  }
}
