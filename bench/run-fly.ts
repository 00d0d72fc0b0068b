// `skiff run --stage1-name=fly` of an already fetched busybox image whose app is /bin/true, side
// by side in one hyperfine run with what it is made of and compared with: `chroot ROOTFS
// /bin/true`, `unshare --mount --root=ROOTFS /bin/true` and a bare `node -e 0` on the same Node.
// The target (DESIGN "fly"): a fly run within 2.5× of two bare Node start-ups (stage0's and
// stage1's are the two Node processes on the run path).
//
// Every `skiff run` creates a pod. Before each timed skiff run, hyperfine runs `skiff gc` (its
// --prepare, not timed): it unmounts the exited pods and moves them to exited-garbage but
// deletes nothing, so mountinfo stays short and ext4 never sees the mass deletes that slow
// file creation here for minutes afterwards (HOST-NOTES).
//
//   node bench/run-fly.ts [--work=DIR] [--runs=30] [--warmup=3] [--profile] [--write-docs] [--keep]
//
// --work        a new directory for the image and the data dir (default /var/tmp/skiff-bench-run-<time>)
// --profile     where the time goes: an exec timeline (strace --seccomp-bpf, execve/exit only) and
//               CPU profiles of the stage0 and stage1 Node processes (a preload that writes the
//               profile just before process.execve, which --cpu-prof never gets to)
// --write-docs  put the results into docs/benchmarks.md, section "Pods: fly run", between markers
// --keep        leave WORK in place (default: gc, unmount, remove)
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { buildAci, buildBusyboxRootfs } from '../test/helpers/images.ts';
import { ROOT, cpuLine, have, median, mountsUnder, ms, phaseTable, profileHook, run, writeDocsSection, type CpuProfile } from './bench-kit.ts';

const SKIFF = path.join(ROOT, 'bin', 'skiff');
/** The Node skiff runs on (bin/skiff prefers .node/bin/node), for the bare start-up to compare with. */
const NODE = fs.existsSync(path.join(ROOT, '.node', 'bin', 'node')) ? path.join(ROOT, '.node', 'bin', 'node') : process.execPath;
const IMAGE_NAME = 'bench.skiff.dev/true';
const TARGET_RATIO = 2.5;

interface Stat {
  mean: number;
  stddev: number;
  median: number;
  min: number;
  max: number;
}

interface Row {
  label: string;
  shown: string;
  stat: Stat;
}

// ---------------------------------------------------------------------------------------------
// hyperfine

interface HyperfineResult {
  command: string;
  mean: number;
  stddev: number;
  median: number;
  min: number;
  max: number;
}

function hyperfine(work: string, cases: ReadonlyArray<{ label: string; argv: string[]; prepare: string }>, runs: number, warmup: number): Row[] {
  const json = path.join(work, 'hyperfine.json');
  const args = ['-N', '--warmup', String(warmup), '--runs', String(runs), '--export-json', json, '--style', 'basic'];
  for (const c of cases) args.push('--prepare', c.prepare);
  for (const c of cases) args.push('-n', c.label, c.argv.join(' '));
  console.log(`hyperfine ${args.join(' ')}`);
  const r = spawnSync('hyperfine', args, { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`hyperfine failed (${r.status})`);
  const results = (JSON.parse(fs.readFileSync(json, 'utf8')) as { results: HyperfineResult[] }).results;
  return cases.map((c, i) => {
    const h = results[i]!;
    return { label: c.label, shown: c.argv.map((a) => a.replace(work, 'WORK').replace(ROOT, '.')).join(' '), stat: h };
  });
}

// ---------------------------------------------------------------------------------------------
// --profile, part 1: the exec timeline of one `skiff run`

interface ExecEvent {
  pid: number;
  t: number;
  kind: 'exec' | 'exit';
  file: string;
}

/** execve (successful ones) and exit_group events from `strace -f -ttt -o FILE`. */
export function parseStrace(text: string): ExecEvent[] {
  const events: ExecEvent[] = [];
  const pending = new Map<number, ExecEvent>();
  for (const line of text.split('\n')) {
    const m = /^(\d+)\s+(\d+\.\d+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const pid = Number(m[1]);
    const t = Number(m[2]);
    const rest = m[3]!;
    const exec = /^execve\("([^"]*)"/.exec(rest);
    if (exec) {
      const ev: ExecEvent = { pid, t, kind: 'exec', file: exec[1]! };
      if (rest.includes('<unfinished')) pending.set(pid, ev);
      else if (!/=\s*-1\s/.test(rest)) events.push(ev);
      continue;
    }
    if (rest.startsWith('<... execve resumed>')) {
      const ev = pending.get(pid);
      pending.delete(pid);
      if (ev && !/=\s*-1\s/.test(rest)) events.push(ev);
      continue;
    }
    if (rest.startsWith('exit_group(')) events.push({ pid, t, kind: 'exit', file: '' });
  }
  return events.sort((a, b) => a.t - b.t);
}

const PHASES = [
  ['launcher', 'bin/skiff (bash) until it execs Node'],
  ['stage0 start', 'Node boot, loading stage0, parsing, image lookup: until its first child (flock)'],
  ['stage0 prepare', 'locks, overlay mounts, tree checks, pod files: until it execs stage1'],
  ['hand-off', 'the fd-swap shell and run.sh, until stage1’s Node starts'],
  ['stage1 Node', 'run.mjs: boot, read the pod, bind /proc /sys /dev, pid and started files'],
  ['exec chain', 'env → setpriv → unshare (chroot) until /bin/true starts'],
  ['app', '/bin/true'],
] as const;

/** Phase durations (seconds) of one run, from its exec events; undefined when the shape is unexpected. */
export function phasesOf(events: readonly ExecEvent[]): number[] | undefined {
  const main = events[0]?.pid;
  if (main === undefined) return undefined;
  const t0 = events[0]!.t;
  const mainExec = (re: RegExp, after = 0): ExecEvent | undefined => events.find((e) => e.pid === main && e.kind === 'exec' && re.test(e.file) && e.t >= after);
  const node0 = mainExec(/\/node$/);
  if (!node0) return undefined;
  const firstChild = events.find((e) => e.pid !== main && e.kind === 'exec' && e.t > node0.t);
  const bash = mainExec(/\/bash$/, node0.t);
  if (!firstChild || !bash) return undefined;
  const node1 = events.find((e) => e.pid !== main && e.kind === 'exec' && /\/node$/.test(e.file) && e.t > bash.t);
  const node1Exit = node1 && events.find((e) => e.pid === node1.pid && e.kind === 'exit' && e.t > node1.t);
  const app = mainExec(/\/true$/, bash.t);
  const end = events.find((e) => e.pid === main && e.kind === 'exit' && app !== undefined && e.t >= app.t);
  if (!node1 || !node1Exit || !app || !end) return undefined;
  return [node0.t - t0, firstChild.t - node0.t, bash.t - firstChild.t, node1.t - bash.t, node1Exit.t - node1.t, app.t - node1Exit.t, end.t - app.t];
}

function childTools(events: readonly ExecEvent[]): string {
  const main = events[0]?.pid;
  const counts = new Map<string, number>();
  for (const e of events) {
    if (e.kind !== 'exec' || e.pid === main) continue;
    const name = path.basename(e.file);
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return [...counts].map(([k, v]) => `${k} ×${v}`).join(', ');
}

function timeline(work: string, data: string, runArgv: readonly string[], n: number): string {
  if (!have('strace')) return '(strace is not installed: no timeline)\n';
  const all: number[][] = [];
  let tools = '';
  for (let i = 0; i < n; i++) {
    run(SKIFF, ['--dir', data, 'gc'], { quiet: true });
    const out = path.join(work, `timeline-${i}.strace`);
    run('strace', ['--seccomp-bpf', '-f', '-ttt', '-e', 'trace=execve,exit_group', '-e', 'signal=none', '-o', out, ...runArgv]);
    const events = parseStrace(fs.readFileSync(out, 'utf8'));
    const p = phasesOf(events);
    if (p) all.push(p);
    tools = childTools(events);
  }
  if (all.length === 0) return '(could not read the exec timeline)\n';
  return phaseTable(PHASES, all, [
    `Exec timeline of one \`skiff run\`, median of ${all.length} runs under \`strace --seccomp-bpf -f -e trace=execve,exit_group\``,
    `(which adds a little to each exec; total {total} ms). Child processes: ${tools}.`,
  ]);
}

// ---------------------------------------------------------------------------------------------
// --profile, part 2: CPU profiles of the two Node processes

/** Inclusive sampled time (ms) per function name, each counted once per sample. */
export function inclusiveTimes(prof: CpuProfile): { total: number; byName: Map<string, number> } {
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const byName = new Map<string, number>();
  let total = 0;
  prof.samples.forEach((sample, i) => {
    const d = (prof.timeDeltas[i] ?? 0) / 1000;
    total += d;
    const seen = new Set<string>();
    for (let id: number | undefined = sample; id !== undefined; id = parent.get(id)) {
      const name = byId.get(id)!.callFrame.functionName || '(anonymous)';
      if (seen.has(name)) continue;
      seen.add(name);
      byName.set(name, (byName.get(name) ?? 0) + d);
    }
  });
  return { total, byName };
}

/** What to show of each process: [label, function names whose inclusive time is summed (the largest is shown)]. */
const STAGE0_PARTS: ReadonlyArray<[string, string[]]> = [
  ['loading the stage0 modules (dynamic import of the chunks: resolve, compile, evaluate)', ['importModuleDynamicallyCallback']],
  ['prepare(): everything up to the pod in run/', ['prepare']],
  ["  resolving the images (readImageRecords: its sort's first localeCompare initialises ICU)", ['resolveAppImages']],
  ['  the stage1 image (hash of the stage1 ACI, records)', ['ensureStage1Image']],
  ['  rendering the roots (tree verification + overlay mount)', ['renderRootfs']],
  ['    of which tree verification (useTree)', ['useTree']],
  ['    of which reading /proc/self/mountinfo (isMountPoint)', ['isMountPoint']],
  ['    of which `mount` (spawnSync)', ['mountOverlay']],
  ['  pod files written atomically (fsync)', ['writeJsonAtomic']],
  ['  taking locks (`flock` spawnSync)', ['flock']],
  ['planStage1Exec (semver for the option gate)', ['planStage1Exec']],
  ['all child processes (spawnSync)', ['spawnSync']],
  ['fsync', ['fsyncSync']],
  ['garbage collector', ['(garbage collector)']],
];

const STAGE1_PARTS: ReadonlyArray<[string, string[]]> = [
  ['compiling run.mjs (no compile cache)', ['compileSourceTextModule']],
  ['prepareRun (pod, lock check, DNS, mounts, command check)', ['prepareRun']],
  ['  bind mounts of /proc /sys /dev (`mount` spawnSync)', ['bindSystemMounts']],
  ['  pid and started files (fsync)', ['writePodPid', 'markPodStarted']],
  ['all child processes (spawnSync)', ['spawnSync']],
  ['garbage collector', ['(garbage collector)']],
];

function summarise(profiles: CpuProfile[], parts: ReadonlyArray<[string, string[]]>, title: string): string {
  if (profiles.length === 0) return `(${title}: no profile was written)\n`;
  const each = profiles.map(inclusiveTimes);
  const total = median(each.map((e) => e.total));
  const rows = parts.map(([label, names]) => {
    const v = median(each.map((e) => Math.max(...names.map((n) => e.byName.get(n) ?? 0))));
    return `${v.toFixed(1).padStart(7)} ms  ${label}`;
  });
  return [`${title}: ${total.toFixed(1)} ms sampled (median of ${profiles.length}; the profiler itself adds ~10-15 ms)`, ...rows, ''].join('\n');
}

function cpuProfiles(work: string, data: string, runArgv: readonly string[], n: number): string {
  const dir = path.join(work, 'cpu-profiles');
  fs.mkdirSync(dir, { recursive: true });
  const hook = path.join(work, 'profile-hook.mjs');
  fs.writeFileSync(hook, profileHook(500, 'stage1'));
  for (let i = 0; i < n; i++) {
    run(SKIFF, ['--dir', data, 'gc'], { quiet: true });
    run(runArgv[0]!, runArgv.slice(1), { env: { ...process.env, NODE_OPTIONS: `--import=${hook}`, SKIFF_BENCH_PROF_DIR: dir } });
  }
  const read = (prefix: string): CpuProfile[] =>
    fs.readdirSync(dir).filter((f) => f.startsWith(prefix)).map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as CpuProfile);
  return [
    '```',
    summarise(read('stage0-'), STAGE0_PARTS, 'stage0 Node (inclusive time)'),
    summarise(read('stage1-'), STAGE1_PARTS, 'stage1 Node, run.mjs (inclusive time)'),
    '```',
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------

const BEGIN = '<!-- bench/run-fly.ts: results begin -->';
const END = '<!-- bench/run-fly.ts: results end -->';

function table(rows: readonly Row[]): string {
  const node = rows.find((r) => r.label === 'node -e 0')!;
  const out = [
    '| command | mean ± σ ms | median ms | min ms | × `node -e 0` (mean) |',
    '|---|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const s = r.stat;
    out.push(`| \`${r.shown}\` | ${ms(s.mean)} ± ${ms(s.stddev)} | ${ms(s.median)} | ${ms(s.min)} | ${(s.mean / node.stat.mean).toFixed(2)} |`);
  }
  return out.join('\n');
}

function verdict(rows: readonly Row[]): string {
  const skiff = rows.find((r) => r.label === 'skiff run')!.stat;
  const node = rows.find((r) => r.label === 'node -e 0')!.stat;
  const budget = TARGET_RATIO * 2 * node.mean;
  const ratio = skiff.mean / (2 * node.mean);
  const minRatio = skiff.min / (2 * node.min);
  return (
    `Target: a fly run within ${TARGET_RATIO}× of two bare Node start-ups, i.e. ≤ ${ms(budget)} ms here. ` +
    `Measured: ${ms(skiff.mean)} ms mean = **${ratio.toFixed(2)}×** two Node start-ups (${minRatio.toFixed(2)}× on minimums): ` +
    `${ratio <= TARGET_RATIO ? '**met**' : `**missed** by ${ms(skiff.mean - budget)} ms`}.`
  );
}

function machine(): string {
  // Every mount on the host lengthens /proc/self/mountinfo, which prepare reads (isMountPoint).
  const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter(Boolean).length;
  return `${cpuLine()}, Node ${process.version}, ${mounts} mounts in the namespace`;
}

/** gc, detach anything left, and only then delete (a fly pod binds the host's /dev, /proc and /sys). */
function removeWork(work: string, data: string): void {
  spawnSync(SKIFF, ['--dir', data, 'gc', '--grace-period=0s'], { stdio: 'ignore' });
  for (const p of mountsUnder(work).reverse()) spawnSync('umount', ['-l', p], { stdio: 'ignore' });
  if (mountsUnder(work).length > 0) throw new Error(`${work} still has mounts; not deleting it`);
  fs.rmSync(work, { recursive: true, force: true });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      work: { type: 'string' },
      runs: { type: 'string', default: '30' },
      warmup: { type: 'string', default: '3' },
      profile: { type: 'boolean', default: false },
      'write-docs': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
    },
  });
  if (process.getuid?.() !== 0) throw new Error('run as root: skiff run mounts');
  if (!fs.existsSync(path.join(ROOT, 'dist', 'skiff.mjs')) || !fs.existsSync(path.join(ROOT, 'dist', 'stage1-fly.aci'))) {
    throw new Error('build skiff first: node scripts/build.ts (dist/skiff.mjs and dist/stage1-fly.aci)');
  }
  for (const tool of ['hyperfine', 'chroot', 'unshare', 'busybox']) if (!have(tool)) throw new Error(`${tool} is not installed`);
  const work = path.resolve(values.work ?? `/var/tmp/skiff-bench-run-${Date.now()}`);
  fs.mkdirSync(work, { recursive: true });
  if (fs.readdirSync(work).length > 0) throw new Error(`${work} must be new`);
  const data = path.join(work, 'data');
  try {
    const rootfs = await buildBusyboxRootfs(path.join(work, 'rootfs'));
    const aci = await buildAci(path.join(work, 'true.aci'), { name: IMAGE_NAME, compression: 'none', exec: ['/bin/true'], rootfsDir: rootfs });
    run(SKIFF, ['--dir', data, '--insecure-options=image', 'fetch', aci]);
    const runArgv = [SKIFF, '--dir', data, 'run', '--stage1-name=fly', IMAGE_NAME];
    run(runArgv[0]!, runArgv.slice(1)); // imports the stage1 image, warms Node's compile cache
    const noop = 'true';
    const rows = hyperfine(
      work,
      [
        { label: 'skiff run', argv: runArgv, prepare: `${SKIFF} --dir ${data} gc` },
        { label: 'chroot', argv: ['chroot', rootfs, '/bin/true'], prepare: noop },
        { label: 'unshare --root', argv: ['unshare', '--mount', `--root=${rootfs}`, '/bin/true'], prepare: noop },
        { label: 'node -e 0', argv: [NODE, '-e', '0'], prepare: noop },
      ],
      Number(values.runs),
      Number(values.warmup),
    );
    const lines = [
      `Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}, with`,
      `\`node bench/run-fly.ts --runs=${values.runs}${values.profile ? ' --profile' : ''} --write-docs\`:`,
      `\`hyperfine -N --warmup ${values.warmup} --runs ${values.runs}\`, the image already fetched, \`skiff gc\` (unmount, no deletion) before each skiff run.`,
      '',
      table(rows),
      '',
      verdict(rows),
      '',
    ];
    console.log(`\n${lines.join('\n')}`);
    if (values.profile) {
      const tl = timeline(work, data, runArgv, 15);
      const cpu = cpuProfiles(work, data, runArgv, 7);
      console.log(`${tl}\n${cpu}`);
      lines.push('### Where the time goes', '', tl, cpu);
    }
    if (values['write-docs']) writeDocsSection('## Pods: fly run', BEGIN, END, lines.join('\n'));
  } finally {
    if (values.keep) console.log(`kept ${work}`);
    else removeWork(work, data);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
