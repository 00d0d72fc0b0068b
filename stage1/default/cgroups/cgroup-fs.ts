// The file operations a cgroup manager makes, behind a seam: the real one is node:fs on cgroupfs,
// the unit tests' one is a temp dir with a small fake kernel in front of it (mkdir fills in the
// interface files, writing cgroup.procs moves a pid, rmdir refuses a populated cgroup), the way
// youki tests its managers against a root it is handed.
import fs from 'node:fs';
import path from 'node:path';
import { SkiffError, describeCause } from '../../../common/errors.ts';

export interface CgroupFs {
  /** A file's content, or undefined when it does not exist. */
  read(file: string): string | undefined;
  /** Writes a value to an existing interface file in one write(2); throws the errno error. */
  write(file: string, value: string): void;
  exists(file: string): boolean;
  /** Creates one directory; false when it was there already. */
  mkdir(dir: string): boolean;
  /** Removes one (empty, unpopulated) cgroup directory; throws the errno error. */
  rmdir(dir: string): void;
  /** Names of the child directories (child cgroups); [] when `dir` does not exist. */
  subdirs(dir: string): string[];
  /** Resolves symlinks, so co-mounted v1 hierarchies (`cpu` → `cpu,cpuacct`) are seen once. */
  realpath(p: string): string;
}

const errnoOf = (err: unknown): string | undefined => (err as NodeJS.ErrnoException | null)?.code;

export function createNodeCgroupFs(): CgroupFs {
  return {
    read(file) {
      try {
        return fs.readFileSync(file, 'utf8');
      } catch (err) {
        if (errnoOf(err) === 'ENOENT') return undefined;
        throw err;
      }
    },
    write(file, value) {
      // O_WRONLY without O_CREAT: cgroupfs files are never created, and the kernel refuses a
      // read+write open of write-only files such as cgroup.kill.
      const fd = fs.openSync(file, fs.constants.O_WRONLY);
      try {
        fs.writeSync(fd, value);
      } finally {
        fs.closeSync(fd);
      }
    },
    exists: (file) => fs.existsSync(file),
    mkdir(dir) {
      try {
        fs.mkdirSync(dir);
        return true;
      } catch (err) {
        if (errnoOf(err) === 'EEXIST') return false;
        throw err;
      }
    },
    rmdir: (dir) => fs.rmdirSync(dir),
    subdirs(dir) {
      try {
        return fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
      } catch (err) {
        if (errnoOf(err) === 'ENOENT') return [];
        throw err;
      }
    },
    realpath: (p) => fs.realpathSync(p),
  };
}

export function isErrno(err: unknown, ...codes: string[]): boolean {
  const code = errnoOf(err);
  return code !== undefined && codes.includes(code);
}

/** The error for a failed write, with the file and value a user needs to act on it. */
export function cgroupWriteError(file: string, value: string, err: unknown): SkiffError {
  const missing = isErrno(err, 'ENOENT');
  return new SkiffError('IO', `writing ${JSON.stringify(value)} to ${file}: ${describeCause(err)}`, {
    cause: err,
    ...(missing ? { hint: 'the cgroup controller for it is not enabled or not mounted on this host' } : {}),
  });
}

/** Writes `value` to `dir/name`, with the file and value in the error a user sees. */
export function writeCgroupFile(cfs: CgroupFs, dir: string, name: string, value: string): void {
  const file = path.join(dir, name);
  try {
    cfs.write(file, value);
  } catch (err) {
    throw cgroupWriteError(file, value, err);
  }
}

/** An integer interface file (`max` reads as undefined, a missing file as undefined). */
export function readCgroupInt(cfs: CgroupFs, dir: string, name: string): number | undefined {
  const text = cfs.read(path.join(dir, name))?.trim();
  if (text === undefined || text === '' || text === 'max') return undefined;
  const value = Number(text);
  if (!Number.isFinite(value)) throw new SkiffError('IO', `unexpected content in ${path.join(dir, name)}: ${JSON.stringify(text)}`);
  return value;
}

/** A flat-keyed file (`cpu.stat`, `memory.events`, `memory.oom_control`): `key value` lines. */
export function readCgroupKeyed(cfs: CgroupFs, dir: string, name: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of (cfs.read(path.join(dir, name)) ?? '').split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value !== undefined && /^-?\d+$/.test(value)) values.set(key, Number(value));
  }
  return values;
}

/** The pids in a cgroup.procs file (unique; a missing file reads as none). */
export function readProcs(cfs: CgroupFs, dir: string): number[] {
  const text = cfs.read(path.join(dir, 'cgroup.procs')) ?? '';
  return text.split('\n').filter((l) => /^\d+$/.test(l.trim())).map((l) => Number(l.trim()));
}
