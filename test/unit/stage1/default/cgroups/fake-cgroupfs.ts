// A fake cgroupfs for unit tests: a temp dir whose files are what the kernel would show, and a
// CgroupFs + kill() in front of it that behave like the kernel where the managers depend on it:
// mkdir fills in the interface files (v2: for the controllers the parent enabled), cgroup.procs
// moves a pid, cgroup.kill and signals end processes (a frozen one only once thawed), freezing
// takes a few looks to settle, writes to missing files fail with ENOENT, and rmdir refuses a
// cgroup with processes or children (EBUSY). Processes are plain numbers in cgroup.procs files.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Host } from '../../../../../common/host.ts';
import type { CgroupFs } from '../../../../../stage1/default/cgroups/cgroup-fs.ts';
import { createNodeCgroupFs } from '../../../../../stage1/default/cgroups/cgroup-fs.ts';

export interface FakeTreeOptions {
  version: 'v1' | 'v2';
  /** v2: the root's cgroup.controllers. v1: the hierarchies, `cpu,cpuacct` for a co-mounted one. */
  controllers: readonly string[];
  /** v2: cgroup.kill in non-root cgroups (Linux 5.14+). */
  cgroupKill?: boolean;
  /** v2: cgroup.freeze (Linux 5.2+). Default true. */
  freeze?: boolean;
  /** v1: memory.memsw.* (swap accounting on). */
  memsw?: boolean;
  /** v2: memory.peak (Linux 5.19+). */
  memoryPeak?: boolean;
  /** v1: a cgroup2 tree at <root>/unified too (a hybrid host). */
  unified?: boolean;
  /** How many looks at cgroup.events / freezer.state before a freeze settles. Default 2. */
  freezeDelay?: number;
}

export interface FakeProcess {
  /** Signals it survives (a process that handles SIGTERM and carries on). */
  ignores?: NodeJS.Signals[];
  /** Forks this pid when signalled while not frozen (the race the freezer closes). */
  forksOnSignal?: number;
}

export interface FakeCgroupTree {
  root: string;
  fs: CgroupFs;
  host: Pick<Host, 'kill'>;
  signals: { pid: number; signal: NodeJS.Signals | 0 }[];
  writes: { file: string; value: string }[];
  /** Starts a process in a cgroup (relative path; in every v1 hierarchy that has it). */
  spawn(pid: number, cgroup: string, proc?: FakeProcess): void;
  alive(): number[];
  /** Overwrites a file as the kernel would update it (counters). */
  set(relFile: string, content: string): void;
  get(relFile: string): string;
  cleanup(): void;
}

const UNLIMITED_V1 = '9223372036854771712';

function errno(code: string, syscall: string, file: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${syscall} ${file}`), { code, syscall, path: file });
}

const words = (text: string): string[] => text.split(/\s+/).filter(Boolean);

export function createFakeCgroupTree(opts: FakeTreeOptions): FakeCgroupTree {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `skiff-cgroupfs-${opts.version}-`));
  const real = createNodeCgroupFs();
  const procs = new Map<number, FakeProcess>();
  const pendingDeath = new Set<number>();
  const freezing = new Map<string, number>();
  const signals: FakeCgroupTree['signals'] = [];
  const writes: FakeCgroupTree['writes'] = [];
  const rel = (p: string): string => path.relative(root, p);
  const put = (file: string, content: string): void => fs.writeFileSync(file, content);
  const readText = (file: string): string => fs.readFileSync(file, 'utf8');

  /** The v1 hierarchy (first path segment) a path is in. */
  const hierarchyOf = (p: string): string => rel(fs.realpathSync(p)).split(path.sep)[0]!;

  function allProcsFiles(under: string): string[] {
    const found: string[] = [];
    const walk = (dir: string): void => {
      if (fs.existsSync(path.join(dir, 'cgroup.procs'))) found.push(path.join(dir, 'cgroup.procs'));
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) walk(path.join(dir, e.name));
    };
    walk(under);
    return found;
  }

  const pidsIn = (file: string): number[] => words(readText(file)).map(Number);
  const setPids = (file: string, pids: number[]): void => put(file, pids.map((p) => `${p}\n`).join(''));

  function die(pid: number): void {
    procs.delete(pid);
    pendingDeath.delete(pid);
    for (const file of allProcsFiles(root)) {
      const pids = pidsIn(file);
      if (pids.includes(pid)) setPids(file, pids.filter((p) => p !== pid));
    }
  }

  /** Where the pid sits in the tree that can freeze it: v2's one tree, v1's freezer hierarchy. */
  function isFrozen(pid: number): boolean {
    const base = opts.version === 'v2' ? root : path.join(root, 'freezer');
    if (!fs.existsSync(base)) return false;
    const file = allProcsFiles(base).find((f) => pidsIn(f).includes(pid));
    for (let dir = file && path.dirname(file); dir && dir.startsWith(base); dir = path.dirname(dir)) {
      const state = opts.version === 'v2' ? path.join(dir, 'cgroup.freeze') : path.join(dir, 'freezer.state');
      if (fs.existsSync(state) && ['1', 'FROZEN', 'FREEZING'].includes(readText(state).trim())) return true;
      if (dir === base) break;
    }
    return false;
  }

  function populate(dir: string): void {
    put(path.join(dir, 'cgroup.procs'), '');
    if (opts.version === 'v2') {
      const controllers = words(readText(path.join(path.dirname(dir), 'cgroup.subtree_control')));
      put(path.join(dir, 'cgroup.controllers'), controllers.length ? `${controllers.join(' ')}\n` : '');
      put(path.join(dir, 'cgroup.subtree_control'), '');
      put(path.join(dir, 'cgroup.events'), 'populated 0\nfrozen 0\n');
      put(path.join(dir, 'cpu.stat'), 'usage_usec 0\nuser_usec 0\nsystem_usec 0\n');
      if (opts.freeze ?? true) put(path.join(dir, 'cgroup.freeze'), '0\n');
      if (opts.cgroupKill) put(path.join(dir, 'cgroup.kill'), '');
      if (controllers.includes('memory')) {
        put(path.join(dir, 'memory.current'), '0\n');
        put(path.join(dir, 'memory.max'), 'max\n');
        put(path.join(dir, 'memory.swap.max'), 'max\n');
        put(path.join(dir, 'memory.events'), 'low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n');
        if (opts.memoryPeak) put(path.join(dir, 'memory.peak'), '0\n');
      }
      if (controllers.includes('cpu')) {
        put(path.join(dir, 'cpu.max'), 'max 100000\n');
        put(path.join(dir, 'cpu.weight'), '100\n');
      }
      if (controllers.includes('pids')) {
        put(path.join(dir, 'pids.max'), 'max\n');
        put(path.join(dir, 'pids.current'), '0\n');
      }
      return;
    }
    const hierarchy = hierarchyOf(dir);
    const isRoot = path.dirname(rel(fs.realpathSync(dir))) === '.';
    put(path.join(dir, 'tasks'), '');
    for (const c of hierarchy.split(',')) {
      if (c === 'memory') {
        put(path.join(dir, 'memory.limit_in_bytes'), `${UNLIMITED_V1}\n`);
        put(path.join(dir, 'memory.usage_in_bytes'), '0\n');
        put(path.join(dir, 'memory.max_usage_in_bytes'), '0\n');
        put(path.join(dir, 'memory.oom_control'), 'oom_kill_disable 0\nunder_oom 0\noom_kill 0\n');
        if (opts.memsw) put(path.join(dir, 'memory.memsw.limit_in_bytes'), `${UNLIMITED_V1}\n`);
      }
      if (c === 'cpu') {
        put(path.join(dir, 'cpu.shares'), '1024\n');
        put(path.join(dir, 'cpu.cfs_quota_us'), '-1\n');
        put(path.join(dir, 'cpu.cfs_period_us'), '100000\n');
      }
      if (c === 'cpuacct') put(path.join(dir, 'cpuacct.usage'), '0\n');
      // As in the kernel, a hierarchy's root has no pids.max / pids.current and no freezer.state.
      if (c === 'pids' && !isRoot) {
        put(path.join(dir, 'pids.max'), 'max\n');
        put(path.join(dir, 'pids.current'), '0\n');
      }
      if (c === 'freezer' && !isRoot) put(path.join(dir, 'freezer.state'), 'THAWED\n');
    }
  }

  // The roots, as mounted.
  if (opts.version === 'v2') {
    put(path.join(root, 'cgroup.controllers'), `${opts.controllers.join(' ')}\n`);
    put(path.join(root, 'cgroup.subtree_control'), '');
    put(path.join(root, 'cgroup.procs'), '');
    put(path.join(root, 'cpu.stat'), 'usage_usec 0\n');
  } else {
    for (const h of opts.controllers) {
      fs.mkdirSync(path.join(root, h));
      populate(path.join(root, h));
      if (h.includes(',')) for (const c of h.split(',')) fs.symlinkSync(h, path.join(root, c));
    }
    if (opts.unified) {
      fs.mkdirSync(path.join(root, 'unified'));
      put(path.join(root, 'unified', 'cgroup.controllers'), 'hugetlb\n');
      put(path.join(root, 'unified', 'cgroup.procs'), '');
    }
  }

  function thaw(dir: string): void {
    freezing.delete(dir);
    for (const file of allProcsFiles(dir)) for (const pid of pidsIn(file)) if (pendingDeath.has(pid) && !isFrozen(pid)) die(pid);
  }

  function writeSpecial(file: string, value: string): boolean {
    const dir = path.dirname(file);
    const name = path.basename(file);
    if (name === 'cgroup.procs') {
      const pid = Number(value.trim());
      if (!procs.has(pid)) throw errno('ESRCH', 'write', file);
      if (opts.version === 'v2' && dir !== root && words(readText(path.join(dir, 'cgroup.subtree_control'))).length > 0) {
        throw errno('EBUSY', 'write', file);
      }
      const scope = opts.version === 'v2' ? root : path.join(root, hierarchyOf(dir));
      for (const f of allProcsFiles(scope)) setPids(f, pidsIn(f).filter((p) => p !== pid));
      setPids(file, [...pidsIn(file), pid]);
      return true;
    }
    if (name === 'cgroup.subtree_control') {
      const available = words(readText(path.join(dir, 'cgroup.controllers')));
      const enabled = new Set(words(readText(file)));
      for (const token of words(value)) {
        const c = token.slice(1);
        if (!available.includes(c)) throw errno('ENOENT', 'write', file);
        if (token.startsWith('+')) enabled.add(c);
        else enabled.delete(c);
      }
      if (dir !== root && pidsIn(path.join(dir, 'cgroup.procs')).length > 0) throw errno('EBUSY', 'write', file);
      put(file, [...enabled].join(' '));
      return true;
    }
    if (name === 'cgroup.kill') {
      if (value.trim() !== '1') throw errno('EINVAL', 'write', file);
      for (const f of allProcsFiles(dir)) for (const pid of pidsIn(f)) die(pid);
      return true;
    }
    if (name === 'cgroup.freeze' || name === 'freezer.state') {
      const freeze = ['1', 'FROZEN'].includes(value.trim());
      if (!freeze && !['0', 'THAWED'].includes(value.trim())) throw errno('EINVAL', 'write', file);
      if (name === 'cgroup.freeze') put(file, freeze ? '1\n' : '0\n');
      else put(file, freeze ? (readText(file).trim() === 'FROZEN' ? 'FROZEN\n' : 'FREEZING\n') : 'THAWED\n');
      if (freeze && !freezing.has(dir)) freezing.set(dir, opts.freezeDelay ?? 2);
      if (!freeze) {
        if (name === 'cgroup.freeze') put(path.join(dir, 'cgroup.events'), 'populated 1\nfrozen 0\n');
        thaw(dir);
      }
      return true;
    }
    if (name === 'memory.limit_in_bytes' || name === 'memory.memsw.limit_in_bytes') {
      const memsw = path.join(dir, 'memory.memsw.limit_in_bytes');
      const mem = Number(value);
      if (name === 'memory.limit_in_bytes' && fs.existsSync(memsw) && mem > Number(readText(memsw))) throw errno('EINVAL', 'write', file);
      if (name === 'memory.memsw.limit_in_bytes' && mem < Number(readText(path.join(dir, 'memory.limit_in_bytes')))) {
        throw errno('EINVAL', 'write', file);
      }
    }
    if (name === 'cpu.max') {
      const m = /^(max|\d+)(?: (\d+))?$/.exec(value.trim());
      if (!m) throw errno('EINVAL', 'write', file);
      put(file, `${m[1]} ${m[2] ?? words(readText(file))[1]}\n`);
      return true;
    }
    return false;
  }

  /** A look at a freezing cgroup's state: it settles after `freezeDelay` looks. */
  function settleFreeze(file: string): void {
    const dir = path.dirname(file);
    const left = freezing.get(dir);
    if (left === undefined) return;
    if (left > 0) {
      freezing.set(dir, left - 1);
      return;
    }
    if (path.basename(file) === 'cgroup.events') put(file, 'populated 1\nfrozen 1\n');
    if (path.basename(file) === 'freezer.state' && readText(file).trim() === 'FREEZING') put(file, 'FROZEN\n');
  }

  const cfs: CgroupFs = {
    read(file) {
      if (['cgroup.events', 'freezer.state'].includes(path.basename(file))) settleFreeze(file);
      return real.read(file);
    },
    write(file, value) {
      if (!fs.existsSync(file)) throw errno('ENOENT', 'open', file);
      writes.push({ file: rel(file), value });
      if (writeSpecial(file, value)) return;
      if (!/^(max|-?\d+)$/.test(value.trim())) throw errno('EINVAL', 'write', file);
      put(file, `${value.trim()}\n`);
    },
    exists: real.exists,
    mkdir(dir) {
      if (!fs.existsSync(path.dirname(dir))) throw errno('ENOENT', 'mkdir', dir);
      if (fs.existsSync(dir)) return false;
      fs.mkdirSync(dir);
      populate(dir);
      return true;
    },
    rmdir(dir) {
      if (!fs.existsSync(dir)) throw errno('ENOENT', 'rmdir', dir);
      const children = fs.readdirSync(dir, { withFileTypes: true }).some((e) => e.isDirectory());
      const procsFile = path.join(dir, 'cgroup.procs');
      if (children || (fs.existsSync(procsFile) && pidsIn(procsFile).length > 0)) throw errno('EBUSY', 'rmdir', dir);
      fs.rmSync(dir, { recursive: true });
    },
    subdirs: real.subdirs,
    realpath: real.realpath,
  };

  const host: Pick<Host, 'kill'> = {
    kill(pid, signal) {
      signals.push({ pid, signal });
      const proc = procs.get(pid);
      if (!proc) return false;
      if (signal === 0 || (signal !== 'SIGKILL' && proc.ignores?.includes(signal))) return true;
      if (isFrozen(pid)) {
        pendingDeath.add(pid);
        return true;
      }
      if (proc.forksOnSignal !== undefined) {
        for (const file of allProcsFiles(root)) if (pidsIn(file).includes(pid)) setPids(file, [...pidsIn(file), proc.forksOnSignal]);
        procs.set(proc.forksOnSignal, {});
      }
      die(pid);
      return true;
    },
  };

  return {
    root,
    fs: cfs,
    host,
    signals,
    writes,
    spawn(pid, cgroup, proc = {}) {
      procs.set(pid, proc);
      const bases = opts.version === 'v2' ? [root] : opts.controllers.map((h) => path.join(root, h));
      for (const base of bases) {
        const dir = fs.existsSync(path.join(base, cgroup)) ? path.join(base, cgroup) : base;
        const file = path.join(dir, 'cgroup.procs');
        setPids(file, [...pidsIn(file), pid]);
      }
    },
    alive: () => [...procs.keys()].sort((a, b) => a - b),
    set: (relFile, content) => put(path.join(root, relFile), content),
    get: (relFile) => readText(path.join(root, relFile)),
    cleanup: () => fs.rmSync(root, { recursive: true, force: true }),
  };
}
