// What the benchmark scripts share: running tools, medians, the CPU-profile preload, the exec
// timeline table, the machine line, and writing a section of docs/benchmarks.md.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function run(cmd: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; quiet?: boolean; allowFail?: boolean } = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: opts.env ?? process.env, maxBuffer: 64 << 20 });
  if (r.error) throw new Error(`cannot run ${cmd}: ${r.error.message}`);
  if (r.status !== 0 && !opts.allowFail) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr.slice(-2000)}`);
  if (!opts.quiet && r.stderr.trim()) process.stderr.write(r.stderr);
  return r.stdout;
}

export function have(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
}

/** Seconds → milliseconds with one decimal, for tables. */
export const ms = (s: number): string => (s * 1000).toFixed(1);

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** CPU, memory and kernel of this machine, for the line above each results table. */
export function cpuLine(): string {
  const cpu = os.cpus()[0]?.model.replace(/\s+/g, ' ').trim() ?? 'unknown CPU';
  return `${os.cpus().length} vCPU ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, kernel ${os.release()}`;
}

/** Mount points at or under dir (a fly pod binds the host's /dev, /proc and /sys: never rm -rf through them). */
export function mountsUnder(dir: string): string[] {
  return fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4]?.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((p): p is string => p !== undefined && (p === dir || p.startsWith(`${dir}/`)));
}

/**
 * Puts generated results between a section's markers in docs/benchmarks.md, creating the
 * section under `heading` when it is missing; the hand-written analysis around it stays.
 */
export function writeDocsSection(heading: string, begin: string, end: string, results: string): void {
  const docs = path.join(ROOT, 'docs', 'benchmarks.md');
  const generated = `${begin}\n${results.trim()}\n${end}`;
  let text = fs.existsSync(docs) ? fs.readFileSync(docs, 'utf8') : '# Benchmarks\n\nHow to run them: [bench/README.md](../bench/README.md).\n';
  const b = text.indexOf(begin);
  const e = text.indexOf(end);
  if (b !== -1 && e > b) text = `${text.slice(0, b)}${generated}${text.slice(e + end.length)}`;
  else if (text.includes(`\n${heading}\n`)) text = text.replace(`\n${heading}\n`, `\n${heading}\n\n${generated}\n`);
  else text = `${text.trimEnd()}\n\n${heading}\n\n${generated}\n`;
  fs.writeFileSync(docs, text);
  console.log(`wrote ${docs}`);
}

/** The median of each phase over several timelines, as a markdown table under `header` lines. */
export function phaseTable(phases: ReadonlyArray<readonly [string, string]>, all: readonly number[][], header: readonly string[]): string {
  const med = phases.map((_, i) => median(all.map((p) => p[i]!)));
  const total = median(all.map((p) => p.reduce((a, b) => a + b, 0)));
  const rows = phases.map(([name, what], i) => `| ${name} | ${what} | ${ms(med[i]!)} | ${Math.round((100 * med[i]!) / total)}% |`);
  return [...header.map((l) => l.replaceAll('{total}', ms(total))), '', '| phase | from → to | ms | share |', '|---|---|---:|---:|', ...rows, ''].join('\n');
}

export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

/**
 * A preload (`--import`) that profiles a Node process and writes the profile into
 * $SKIFF_BENCH_PROF_DIR just before it execs (stage0, tagged `stage0`) or exits (`exitTag`).
 */
export function profileHook(intervalUs: number, exitTag: string): string {
  return `import inspector from 'node:inspector';
import fs from 'node:fs';
const session = new inspector.Session();
session.connect();
session.post('Profiler.setSamplingInterval', { interval: ${intervalUs} });
session.post('Profiler.enable');
session.post('Profiler.start');
let written = false;
const write = (tag) => {
  if (written) return;
  written = true;
  session.post('Profiler.stop', (err, res) => {
    if (!err) fs.writeFileSync(process.env.SKIFF_BENCH_PROF_DIR + '/' + tag + '-' + process.pid + '.cpuprofile', JSON.stringify(res.profile));
  });
};
const execve = process.execve;
process.execve = (...args) => { write('stage0'); return execve.apply(process, args); };
process.on('exit', () => write(${JSON.stringify(exitTag)}));
`;
}

/** Runs a command to completion and returns its wall time in seconds. */
export async function timeCommand(cmd: string, args: readonly string[], env?: NodeJS.ProcessEnv): Promise<number> {
  const started = process.hrtime.bigint();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], env: env ?? process.env });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-2000)));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} failed (${code}): ${stderr}`))));
  });
  return Number(process.hrtime.bigint() - started) / 1e9;
}

function cpuTimes(): { busy: number; total: number } {
  const f = (fs.readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  const idle = (f[3] ?? 0) + (f[4] ?? 0); // idle + iowait
  return { busy: total - idle, total };
}

function dirtyBytes(): number {
  const m = fs.readFileSync('/proc/meminfo', 'utf8');
  const kb = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(m)?.[1] ?? 0);
  return (kb('Dirty') + kb('Writeback')) * 1024;
}

/**
 * Waits (up to a minute) until the machine is quiet: under 15% CPU busy over a second and under
 * 64 MB waiting for writeback. Other work on a 2-vCPU machine moves these timings by seconds.
 */
export async function waitForQuiet(): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const a = cpuTimes();
    await sleep(1000);
    const b = cpuTimes();
    const busy = (b.busy - a.busy) / Math.max(1, b.total - a.total);
    if ((busy < 0.15 && dirtyBytes() < 64 * 1024 * 1024) || Date.now() > deadline) {
      if (Date.now() > deadline) console.log(`  (machine not quiet: ${(busy * 100).toFixed(0)}% CPU busy; measuring anyway)`);
      return;
    }
  }
}

export async function syncDisks(): Promise<void> {
  await timeCommand('sync', []);
}

export function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const fsType = (() => {
    try {
      const mounts = fs.readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' '));
      const best = mounts.filter((m) => m[1] && '/var/tmp'.startsWith(m[1])).sort((a, b) => b[1]!.length - a[1]!.length)[0];
      return best ? `${best[2]} (${best[0]})` : 'unknown fs';
    } catch {
      return 'unknown fs';
    }
  })();
  return `${os.cpus().length} vCPU ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, kernel ${os.release()}, ${fsType}, Node ${process.version}`;
}

/** The skiff source measured: commit, and whether store/common/stage0 had uncommitted changes. */
export function sourceState(): string {
  const git = (args: string[]): string => spawnSync('git', ['-C', ROOT, ...args], { encoding: 'utf8' }).stdout?.trim() ?? '';
  const commit = git(['rev-parse', '--short', 'HEAD']) || 'unknown commit';
  const dirty = git(['status', '--porcelain', '--', 'store', 'common', 'stage0']) !== '';
  return `skiff ${commit}${dirty ? ' with uncommitted changes in store/, common/ or stage0/' : ''}`;
}

/** The options the image benchmarks share (import-render.ts, pull-registry.ts), for parseArgs. */
export const IMAGE_BENCH_OPTIONS = {
  images: { type: 'string' },
  work: { type: 'string' },
  runs: { type: 'string', default: '3' },
  settle: { type: 'string', default: '180' },
  'write-docs': { type: 'boolean', default: false },
  keep: { type: 'boolean', default: false },
} as const;
