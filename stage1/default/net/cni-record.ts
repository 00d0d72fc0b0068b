// The CNI teardown record, POD/cni/teardown.json, and the DEL stdin files beside it
// (POD/cni/del-N.json for step N): everything CNI DEL needs, written before each network's
// ADD and completed after it, so the monitor (in bash, at the end of a run) and the gc
// entrypoint (after a crash) can undo exactly what was set up. Removed once every DEL has
// succeeded. Nothing in it is a path inside the pod directory: stage0 renames the pod
// (run/ → exited-garbage/) before gc, so those are derived from where the pod is now.
import fs from 'node:fs';
import { wrap } from '../../../common/errors.ts';
import { podCniDelConfigPath, podCniDir, podCniTeardownPath } from '../../../common/layout.ts';
import { writeFileAtomic, writeJsonAtomic } from '../../../common/write-atomic.ts';

export interface CniTeardownStep {
  network: string;
  /** The plugin binary, absolute. */
  plugin: string;
  ifName: string;
}

export interface CniTeardownRecord {
  containerId: string;
  cniPath: string;
  /** In ADD order; DEL runs them in reverse. Step N's stdin is podCniDelConfigPath(pod, N). */
  steps: CniTeardownStep[];
}

export function writeCniRecord(podRoot: string, record: CniTeardownRecord): void {
  try {
    fs.mkdirSync(podCniDir(podRoot), { recursive: true, mode: 0o700 });
    writeJsonAtomic(podCniTeardownPath(podRoot), record, 0o600);
  } catch (err) {
    throw wrap(err, 'writing the CNI teardown record');
  }
}

/** Writes step `n`'s DEL stdin and returns its path (0600: configs may carry credentials). */
export function writeDelConfig(podRoot: string, n: number, stdin: Record<string, unknown>): string {
  const file = podCniDelConfigPath(podRoot, n);
  try {
    fs.mkdirSync(podCniDir(podRoot), { recursive: true, mode: 0o700 });
    writeFileAtomic(file, JSON.stringify(stdin), 0o600);
  } catch (err) {
    throw wrap(err, 'writing a CNI DEL configuration');
  }
  return file;
}

/** The record, or undefined when there is none (no CNI network, or already torn down). */
export function readCniRecord(podRoot: string): CniTeardownRecord | undefined {
  let text: string;
  try {
    text = fs.readFileSync(podCniTeardownPath(podRoot), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw wrap(err, 'reading the CNI teardown record');
  }
  const rec = JSON.parse(text) as CniTeardownRecord;
  if (!Array.isArray(rec.steps) || typeof rec.cniPath !== 'string' || typeof rec.containerId !== 'string') {
    throw wrap(new Error('malformed'), `reading ${podCniTeardownPath(podRoot)}`);
  }
  return rec;
}

export function removeCniRecord(podRoot: string): void {
  fs.rmSync(podCniTeardownPath(podRoot), { force: true });
}
