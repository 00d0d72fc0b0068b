// The one durable-write helper: temp file in the same directory → fsync → rename → fsync the
// directory. A crash leaves either the old file or the new one, never a torn one.
// `{ durable: false }` skips both fsyncs, for a running pod's own records (sandbox, runtime,
// cgroups, bundles, the monitor plan, pid): readers still never see half a file (rename), but
// after a power cut one may be empty, which its reader takes as missing. None of them matters
// after a reboot, when nothing they describe is left, and their ~20 fsyncs cost ~10 ms on
// every `skiff run`.
import fs from 'node:fs';
import path from 'node:path';
import { randomHex } from './random.ts';

export function tempNameBeside(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${randomHex(6)}.tmp`);
}

export function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export interface WriteOptions {
  /** fsync the file and its directory (default true); see above. */
  durable?: boolean;
}

/** A running pod's own records: atomic for readers, not durable (see above). */
export const VOLATILE: Readonly<WriteOptions> = { durable: false };

export function writeFileAtomic(target: string, data: string | Uint8Array, mode = 0o644, opts: WriteOptions = {}): void {
  const durable = opts.durable ?? true;
  const tmp = tempNameBeside(target);
  const fd = fs.openSync(tmp, 'wx', mode);
  try {
    fs.writeFileSync(fd, data);
    if (durable) fs.fsyncSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  fs.closeSync(fd);
  try {
    fs.renameSync(tmp, target);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  if (durable) fsyncDir(path.dirname(target));
}

export function writeJsonAtomic(target: string, value: unknown, mode = 0o644, opts: WriteOptions = {}): void {
  writeFileAtomic(target, `${JSON.stringify(value, null, 2)}\n`, mode, opts);
}
