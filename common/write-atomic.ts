// The one durable-write helper: temp file in the same directory → fsync → rename → fsync the
// directory. A crash leaves either the old file or the new one, never a torn one.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

export function tempNameBeside(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
}

export function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export function writeFileAtomic(target: string, data: string | Uint8Array, mode = 0o644): void {
  const tmp = tempNameBeside(target);
  const fd = fs.openSync(tmp, 'wx', mode);
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
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
  fsyncDir(path.dirname(target));
}

export function writeJsonAtomic(target: string, value: unknown, mode = 0o644): void {
  writeFileAtomic(target, `${JSON.stringify(value, null, 2)}\n`, mode);
}
