// What the benchmark scripts share: running tools, medians, the CPU-profile preload, the exec
// timeline table, the machine line, and writing a section of docs/benchmarks.md.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
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
