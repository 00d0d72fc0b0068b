// `skiff run --net=none` with the default stage1 (catatonit sandbox + OCI runtime + bash monitor,
// overlay) of an already fetched busybox image whose app is /bin/true, side by side in one
// hyperfine run with the runtimes and the engine people compare it with, on the same rootfs:
// `runc run` and `crun run` of an equivalent OCI bundle (`runc spec`, args /bin/true, no
// terminal) and `podman run --rm --network=none` of the same rootfs imported into a private
// podman store (with podman's default runtime, crun, and with --runtime=runc). Then the memory
// a running idle pod keeps: the RSS of skiff's own processes (monitor, tees, sandbox), of the
// runtime process beside them, and of conmon for an idle podman container.
//
// Targets (issue 4): faster than `podman run`; within the runtime's own `run` + 150 ms; at most
// 25 MB of skiff-owned RSS per idle pod.
//
// crun refuses a hybrid-cgroup host (HOST-NOTES) unless cgroup.controllers of the unified
// hierarchy is masked, and podman uses crun. Both therefore run in one private mount namespace,
// made once and kept in a file (`unshare --mount=WORK/ns/mnt`), and each run enters it with
// `nsenter` (about 1 ms, timed as a row of its own). In it an empty file covers
// /sys/fs/cgroup/unified/cgroup.controllers, WORK/podman/hostrun covers /run (podman writes
// /run/containers/networks and the runtimes' state under /run whatever its flags say), and
// WORK/podman/varlib covers /var/lib/containers (c/image's blob-info cache). podman also gets
// a private --root, --runroot, --tmpdir, --cgroup-parent and a containers.conf (file locks, not
// /dev/shm/libpod_lock; network config dir; events log), so nothing global changes. skiff
// itself runs outside that namespace, as a user would run it.
//
//   node bench/run-default.ts [--work=DIR] [--runs=20] [--warmup=3] [--profile] [--write-docs] [--keep]
//
// --work        a new directory for everything (default /var/tmp/skiff-bench-default-<time>)
// --profile     where the time goes: an exec timeline of one `skiff run` (perf's sched_process_exec
//               and _exit tracepoints, else strace; median of 10); `runc run` and `crun run` of
//               skiff's own bundle for the app, with and without its seccomp filter, beside the
//               plain bundle; a CPU profile of the one Node process (stage0, running stage1's run module)
// --write-docs  put the results into docs/benchmarks.md, section "Pods: default stage1", between markers
// --keep        leave WORK in place (default: gc, stop, unmount, remove)
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { buildAci, buildBusyboxRootfs } from '../test/helpers/images.ts';
import { parseStrace } from './run-fly.ts';
import { ROOT, cpuLine, have, median, mountsUnder, ms, phaseTable, profileHook, run, writeDocsSection, type CpuProfile } from './bench-kit.ts';

const NODE_DIR = path.join(ROOT, '.node');
/** The Node bin/skiff starts (it prefers .node/bin/node). */
const NODE = fs.existsSync(path.join(NODE_DIR, 'bin', 'node')) ? path.join(NODE_DIR, 'bin', 'node') : process.execPath;
const IMAGE_NAME = 'bench.skiff.dev/true';
const PODMAN_IMAGE = 'localhost/skiff-bench/true';
const BUDGET_OVER_RUNTIME_MS = 150;
const RSS_TARGET_KIB = 25 * 1024;

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

interface Case {
  label: string;
  argv: string[];
  prepare: string;
}

const mib = (kib: number): string => (kib / 1024).toFixed(1);
const sleep = (t: number): Promise<void> => new Promise((r) => setTimeout(r, t));

function firstLine(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return (r.stdout || r.stderr || '').split('\n')[0]!.trim();
}

// ---------------------------------------------------------------------------------------------
// The work directory: a private skiff, the image, the OCI bundle, the namespace, podman's store

interface Setup {
  work: string;
  /** bin/skiff of the private copy. */
  skiff: string;
  data: string;
  rootfs: string;
  bundle: string;
  /** The nsfs file of the private mount namespace (crun, podman). */
  ns: string;
  podman: string[];
  podmanEnv: NodeJS.ProcessEnv;
  cgroupParent: string;
}

/**
 * A private copy of the build (others rebuilding dist/ mid-run must change nothing), started
 * the way users start skiff: the bin/skiff launcher, with the Node ./setup provisioned.
 */
function privateSkiff(work: string): string {
  const dir = path.join(work, 'skiff');
  fs.mkdirSync(path.join(dir, 'bin'), { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'bin', 'skiff'), path.join(dir, 'bin', 'skiff'));
  fs.chmodSync(path.join(dir, 'bin', 'skiff'), 0o755);
  fs.cpSync(path.join(ROOT, 'dist'), path.join(dir, 'dist'), { recursive: true });
  if (fs.existsSync(NODE_DIR)) fs.symlinkSync(NODE_DIR, path.join(dir, '.node'));
  return path.join(dir, 'bin', 'skiff');
}

/** `runc spec`, adjusted: /bin/true, no terminal. Everything else (namespaces, read-only root) as runc makes it. */
function makeBundle(work: string, rootfs: string): string {
  const bundle = path.join(work, 'bundle');
  fs.mkdirSync(bundle);
  run('cp', ['-a', rootfs, path.join(bundle, 'rootfs')]);
  run('runc', ['spec', '--bundle', bundle]);
  const file = path.join(bundle, 'config.json');
  const spec = JSON.parse(fs.readFileSync(file, 'utf8')) as { process: { args: string[]; terminal: boolean } };
  spec.process.args = ['/bin/true'];
  spec.process.terminal = false;
  fs.writeFileSync(file, `${JSON.stringify(spec, null, 2)}\n`);
  return bundle;
}

/**
 * A mount namespace kept in WORK/NAME/mnt (its parent mount made private, as `unshare --mount=FILE`
 * needs), in which cgroup.controllers of the unified hierarchy reads empty and /run and
 * /var/lib/containers are private directories. It is a copy of the host's mounts as they are
 * now: mounts made later (a pod's overlay) do not show in it, the host's mounts being private.
 */
function makeNamespace(work: string, name = 'ns'): string {
  const dir = path.join(work, name);
  const file = path.join(dir, 'mnt');
  const empty = path.join(work, 'empty');
  const hostrun = path.join(work, 'podman', 'hostrun');
  const varlib = path.join(work, 'podman', 'varlib');
  fs.mkdirSync(dir);
  if (!fs.existsSync(hostrun)) {
    fs.mkdirSync(hostrun, { recursive: true });
    fs.symlinkSync('/dev/shm', path.join(hostrun, 'shm'));
  }
  fs.mkdirSync(varlib, { recursive: true });
  fs.writeFileSync(empty, '');
  fs.writeFileSync(file, '');
  run('mount', ['--bind', dir, dir]);
  run('mount', ['--make-private', dir]);
  run('unshare', [`--mount=${file}`, '--propagation', 'private', 'true']);
  const controllers = '/sys/fs/cgroup/unified/cgroup.controllers';
  if (fs.existsSync(controllers)) run('nsenter', [`--mount=${file}`, 'mount', '--bind', empty, controllers]);
  run('nsenter', [`--mount=${file}`, 'mount', '--bind', hostrun, '/run']);
  // c/image keeps a blob-info cache in /var/lib/containers/cache whatever --root says.
  if (fs.existsSync('/var/lib/containers')) run('nsenter', [`--mount=${file}`, 'mount', '--bind', varlib, '/var/lib/containers']);
  return file;
}

function podmanSetup(work: string, ns: string, rootfs: string): Pick<Setup, 'podman' | 'podmanEnv' | 'cgroupParent'> {
  const p = path.join(work, 'podman');
  for (const d of ['root', 'tmp', 'net']) fs.mkdirSync(path.join(p, d), { recursive: true });
  const conf = path.join(p, 'containers.conf');
  fs.writeFileSync(
    conf,
    [
      '[engine]',
      'lock_type = "file"',
      `events_logfile_path = "${p}/events.log"`,
      '[network]',
      `network_config_dir = "${p}/net"`,
      '',
    ].join('\n'),
  );
  const podman = [
    'nsenter', `--mount=${ns}`, 'podman',
    // podman wants a runroot under 50 characters: /run inside the namespace is WORK/podman/hostrun.
    '--root', `${p}/root`, '--runroot', '/run/podman', '--tmpdir', `${p}/tmp`, '--storage-driver=overlay',
    '--cgroup-manager=cgroupfs', '--events-backend=file',
  ];
  const podmanEnv = { ...process.env, CONTAINERS_CONF: conf };
  const tar = path.join(work, 'rootfs.tar');
  run('tar', ['-C', rootfs, '-cf', tar, '.']);
  run(podman[0]!, [...podman.slice(1), 'import', '--quiet', '--change', 'CMD ["/bin/true"]', tar, PODMAN_IMAGE], { env: podmanEnv });
  return { podman, podmanEnv, cgroupParent: `/${path.basename(work)}-podman` };
}

async function setUp(work: string): Promise<Setup> {
  const skiff = privateSkiff(work);
  const data = path.join(work, 'data');
  const rootfs = await buildBusyboxRootfs(path.join(work, 'rootfs'));
  const aci = await buildAci(path.join(work, 'true.aci'), { name: IMAGE_NAME, compression: 'none', exec: ['/bin/true'], rootfsDir: rootfs });
  run(skiff, ['--dir', data, '--insecure-options=image', 'fetch', aci], { quiet: true });
  const bundle = makeBundle(work, rootfs);
  const ns = makeNamespace(work);
  return { work, skiff, data, rootfs, bundle, ns, ...podmanSetup(work, ns, rootfs) };
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

function shown(s: Setup, argv: readonly string[]): string {
  // The work directory's name also names podman's cgroup parent (/NAME-podman).
  return argv.map((a) => a.split(s.work).join('WORK').split(path.basename(s.work)).join('WORK').split(ROOT).join('.')).join(' ');
}

function hyperfine(s: Setup, cases: readonly Case[], runs: number, warmup: number, env: NodeJS.ProcessEnv, name: string): Row[] {
  const json = path.join(s.work, `${name}.json`);
  const args = ['-N', '--warmup', String(warmup), '--runs', String(runs), '--export-json', json, '--style', 'basic'];
  for (const c of cases) args.push('--prepare', c.prepare);
  for (const c of cases) args.push('-n', c.label, c.argv.join(' '));
  console.log(`hyperfine ${args.join(' ')}`);
  const r = spawnSync('hyperfine', args, { stdio: 'inherit', env });
  if (r.status !== 0) throw new Error(`hyperfine failed (${r.status})`);
  const results = (JSON.parse(fs.readFileSync(json, 'utf8')) as { results: HyperfineResult[] }).results;
  return cases.map((c, i) => ({ label: c.label, shown: shown(s, c.argv), stat: results[i]! }));
}

function runCases(s: Setup): Case[] {
  const noop = 'true';
  const podmanRun = ['run', '--rm', '--network=none', `--cgroup-parent=${s.cgroupParent}`, '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024', PODMAN_IMAGE];
  return [
    { label: 'skiff run', argv: [s.skiff, '--dir', s.data, 'run', '--net=none', IMAGE_NAME], prepare: `${s.skiff} --dir ${s.data} gc --grace-period=0s` },
    { label: 'runc run', argv: ['runc', '--root', `${s.work}/runc-state`, 'run', '--bundle', s.bundle, 'skiff-bench-runc'], prepare: noop },
    { label: 'crun run', argv: ['nsenter', `--mount=${s.ns}`, 'crun', '--root', `${s.work}/crun-state`, 'run', '--bundle', s.bundle, 'skiff-bench-crun'], prepare: noop },
    { label: 'podman run', argv: [...s.podman, ...podmanRun], prepare: noop },
    { label: 'podman run (runc)', argv: [...s.podman, '--runtime=runc', ...podmanRun], prepare: noop },
    { label: 'nsenter', argv: ['nsenter', `--mount=${s.ns}`, '/bin/true'], prepare: noop },
    // One bare start-up of the Node skiff runs on: the unit the run path's two Node processes are counted in.
    { label: 'node -e 0', argv: [NODE, '-e', '0'], prepare: noop },
  ];
}

// ---------------------------------------------------------------------------------------------
// Memory of an idle pod

interface Proc {
  pid: number;
  ppid: number;
  comm: string;
  args: string;
}

function readProc(pid: number): Proc | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const ppid = Number(stat.slice(close + 2).split(' ')[1]);
    const args = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    return { pid, ppid, comm, args };
  } catch {
    return undefined;
  }
}

function allProcs(): Proc[] {
  return fs
    .readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map((d) => readProc(Number(d)))
    .filter((p): p is Proc => p !== undefined);
}

/** `pid` and its descendants. */
function tree(procs: readonly Proc[], pid: number): Proc[] {
  const out: Proc[] = [];
  const visit = (p: number): void => {
    const me = procs.find((x) => x.pid === p);
    if (!me) return;
    out.push(me);
    for (const c of procs.filter((x) => x.ppid === p)) visit(c.pid);
  };
  visit(pid);
  return out;
}

interface Mem {
  rssKib: number;
  pssKib: number;
}

function memOf(pid: number): Mem {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKib = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? NaN);
  let pssKib = NaN;
  try {
    pssKib = Number(/^Pss:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? NaN);
  } catch {
    // no smaps_rollup: PSS unknown
  }
  return { rssKib, pssKib };
}

interface MemRow {
  what: string;
  count: number;
  mem: Mem;
}

interface MemoryResult {
  skiff: MemRow[];
  skiffTotal: Mem;
  runtime: MemRow;
  app: MemRow;
  conmon: MemRow;
  podmanApp: MemRow;
}

function group(what: string, pids: readonly number[]): MemRow {
  const mems = pids.map(memOf);
  return {
    what,
    count: pids.length,
    mem: { rssKib: mems.reduce((a, m) => a + m.rssKib, 0), pssKib: mems.reduce((a, m) => a + m.pssKib, 0) },
  };
}

/** What a skiff process is, for the table. */
function roleOf(p: Proc): string {
  if (p.comm === 'bash' && p.args.includes('monitor.sh')) return 'monitor (`bash monitor.sh`)';
  if (p.comm === 'tee') return '`tee -a` (app stdout/stderr to the log)';
  if (p.comm === 'unshare') return 'sandbox parent (`unshare --fork --kill-child`)';
  if (p.comm === 'catatonit') return 'sandbox, the pod’s pid 1 (`catatonit -P`)';
  return `\`${p.comm}\``;
}

/** The directory of pod UUID, in whichever state directory it is (run, exited-garbage, …). */
function podDir(data: string, uuid: string): string {
  const pods = path.join(data, 'pods');
  for (const state of fs.readdirSync(pods)) if (fs.existsSync(path.join(pods, state, uuid))) return path.join(pods, state, uuid);
  throw new Error(`pod ${uuid} is not in ${pods}`);
}

async function waitFor<T>(what: string, f: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

async function skiffMemory(s: Setup): Promise<Omit<MemoryResult, 'conmon' | 'podmanApp'>> {
  const uuidFile = path.join(s.work, 'idle.uuid');
  const log = fs.openSync(path.join(s.work, 'idle-pod.log'), 'w');
  const child = spawn(s.skiff, ['--dir', s.data, 'run', '--net=none', `--uuid-file-save=${uuidFile}`, IMAGE_NAME, '--exec=/bin/sleep', '--', '60'], {
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  try {
    const uuid = await waitFor('the pod uuid', () => (fs.existsSync(uuidFile) && fs.readFileSync(uuidFile, 'utf8').trim()) || undefined);
    const pod = path.join(s.data, 'pods', 'run', uuid);
    // Running: `started` written, and the app (sleep) under the runtime.
    const monitorPid = await waitFor('the pod to start', () => {
      if (!fs.existsSync(path.join(pod, 'started')) || !fs.existsSync(path.join(pod, 'sandbox.json'))) return undefined;
      const pid = Number(fs.readFileSync(path.join(pod, 'pid'), 'utf8'));
      return tree(allProcs(), pid).some((p) => p.comm === 'sleep') ? pid : undefined;
    });
    if (monitorPid !== child.pid) console.warn(`note: the monitor is pid ${monitorPid}, skiff run was ${child.pid}`);
    await sleep(1000); // let the runtime settle
    const procs = allProcs();
    const sandboxPid = (JSON.parse(fs.readFileSync(path.join(pod, 'sandbox.json'), 'utf8')) as { pid: number }).pid;
    const sandboxParent = procs.find((p) => p.pid === procs.find((x) => x.pid === sandboxPid)?.ppid);
    const sandboxRoot = sandboxParent?.comm === 'unshare' ? sandboxParent.pid : sandboxPid;
    const podProcs = [...tree(procs, monitorPid), ...tree(procs, sandboxRoot)];
    const runtimeProc = podProcs.find((p) => p.ppid === monitorPid && /^(runc|crun)$/.test(p.comm));
    if (!runtimeProc) throw new Error('no runtime process under the monitor');
    const appProcs = tree(procs, runtimeProc.pid).filter((p) => p.pid !== runtimeProc.pid);
    const excluded = new Set([runtimeProc.pid, ...appProcs.map((p) => p.pid)]);
    const own = podProcs.filter((p) => !excluded.has(p.pid));
    const roles = new Map<string, number[]>();
    for (const p of own) roles.set(roleOf(p), [...(roles.get(roleOf(p)) ?? []), p.pid]);
    const skiff = [...roles].map(([what, pids]) => group(what, pids));
    const skiffTotal = {
      rssKib: skiff.reduce((a, r) => a + r.mem.rssKib, 0),
      pssKib: skiff.reduce((a, r) => a + r.mem.pssKib, 0),
    };
    const result = {
      skiff,
      skiffTotal,
      runtime: group(`\`${runtimeProc.comm} run\` (the runtime, in the foreground for the app’s life)`, [runtimeProc.pid]),
      app: group('the app (`sleep 60`)', appProcs.map((p) => p.pid)),
    };
    console.log('pod processes:');
    for (const p of podProcs) console.log(`  ${p.pid} ${p.ppid} ${memOf(p.pid).rssKib} kB  ${p.args.slice(0, 120)}`);
    run(s.skiff, ['--dir', s.data, 'stop', uuid], { quiet: true });
    return result;
  } finally {
    if (child.exitCode === null) await Promise.race([exited, sleep(15_000)]);
    if (child.exitCode === null) child.kill('SIGKILL');
    run(s.skiff, ['--dir', s.data, 'gc', '--grace-period=0s'], { quiet: true, allowFail: true });
  }
}

async function podmanMemory(s: Setup): Promise<Pick<MemoryResult, 'conmon' | 'podmanApp'>> {
  const podman = (args: string[], allowFail = false): string => run(s.podman[0]!, [...s.podman.slice(1), ...args], { env: s.podmanEnv, quiet: true, allowFail });
  const id = podman([
    'run', '-d', '--network=none', `--cgroup-parent=${s.cgroupParent}`, '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024',
    PODMAN_IMAGE, '/bin/sleep', '60',
  ]).trim();
  try {
    await waitFor('the podman container', () => (podman(['inspect', '--format', '{{.State.Running}}', id]).trim() === 'true' ? true : undefined));
    await sleep(1000);
    const conmonPid = Number(podman(['inspect', '--format', '{{.State.ConmonPid}}', id]).trim());
    const appPid = Number(podman(['inspect', '--format', '{{.State.Pid}}', id]).trim());
    const procs = allProcs();
    console.log('podman processes:');
    for (const p of tree(procs, conmonPid)) console.log(`  ${p.pid} ${p.ppid} ${memOf(p.pid).rssKib} kB  ${p.args.slice(0, 120)}`);
    return { conmon: group('conmon', [conmonPid]), podmanApp: group('the app (`sleep 60`)', tree(procs, appPid).map((p) => p.pid)) };
  } finally {
    podman(['rm', '--force', '--time', '0', id], true);
  }
}

// ---------------------------------------------------------------------------------------------
// --profile: the exec timeline of one `skiff run`

type ExecEvent = ReturnType<typeof parseStrace>[number];

const PHASES = [
  ['launcher', 'bin/skiff (bash) until it execs Node'],
  ['stage0 and the run module: until the sandbox', 'Node boot, loading run.cjs (from skiff’s code cache), image lookup, locks and overlay mounts (C helper), pod files, loading stage1’s run module: until its first child, the sandbox (`unshare`, started by the C helper; without it a shell that runs `setsid unshare`)'],
  ['sandbox', '`unshare … sh` (hostname, `ip link set lo up`) until catatonit starts'],
  ['run module: the rest', 'checks (while the sandbox starts), network (none), /etc files, cgroup and runtime records, the bundle, the plan: until stage0 execs the monitor'],
  ['monitor start', 'bash monitor.sh until it starts the runtime'],
  ['runtime run → app', '`crun run` (through the stage1’s launcher on a hybrid host) or `runc run` until /bin/true starts (namespaces, cgroups, seccomp)'],
  ['app', '/bin/true'],
  ['after the app', 'until `run` returns (crun removes the container’s cgroup and state itself)'],
  ['teardown', 'status file, `runc delete` (runc only), sandbox SIGKILL, cgroup rmdir, exit'],
] as const;

/**
 * Phase durations (seconds) of one run, from its exec events; undefined when the shape is
 * unexpected. One Node process: stage0 loads stage1's run module and execs the monitor itself.
 */
export function defaultPhases(events: readonly ExecEvent[]): number[] | undefined {
  const main = events[0]?.pid;
  if (main === undefined) return undefined;
  const t0 = events[0]!.t;
  const after = (t: number, pred: (e: ExecEvent) => boolean): ExecEvent | undefined => events.find((e) => e.t >= t && pred(e));
  const exec = (re: RegExp, who: 'main' | 'other' | 'any' = 'any') => (e: ExecEvent): boolean =>
    e.kind === 'exec' && re.test(e.file) && (who === 'any' || (who === 'main') === (e.pid === main));
  const node0 = after(t0, exec(/\/node$/, 'main'));
  if (!node0) return undefined;
  // The first child is the sandbox's unshare (or, without the C helper, the shell that launches it).
  const launch = after(node0.t, (e) => e.kind === 'exec' && e.pid !== main);
  const unshare = launch && after(launch.t, exec(/\/unshare$/));
  const catatonit = unshare && after(unshare.t, exec(/\/catatonit$/));
  const monitor = catatonit && after(catatonit.t, exec(/\/bash$/, 'main'));
  if (!launch || !unshare || !catatonit || !monitor) return undefined;
  // The runtime, or the launcher that execs it (the stage1's runtime-exec, or `unshare … sh -c
  // 'mount …; exec crun …'`): one pid.
  const runtime = after(monitor.t, exec(/\/(runc|crun|unshare|runtime-exec)$/, 'other'));
  const app = runtime && after(runtime.t, exec(/\/true$/));
  const appExit = app && after(app.t, (e) => e.kind === 'exit' && e.pid === app.pid);
  const runtimeExit = appExit && after(appExit.t, (e) => e.kind === 'exit' && e.pid === runtime.pid);
  const end = runtimeExit && after(runtimeExit.t, (e) => e.kind === 'exit' && e.pid === main);
  if (!runtime || !app || !appExit || !runtimeExit || !end) return undefined;
  const marks = [t0, node0.t, launch.t, catatonit.t, monitor.t, runtime.t, app.t, appExit.t, runtimeExit.t, end.t];
  return marks.slice(1).map((t, i) => t - marks[i]!);
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

/** exec and process-exit events from `perf script -F pid,time,event,trace` of sched_process_exec/exit. */
export function parsePerf(text: string): ExecEvent[] {
  const events: ExecEvent[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*(\d+)\s+(\d+\.\d+):\s+sched:sched_process_(exec|exit):\s+(.*)$/.exec(line);
    if (!m) continue;
    const pid = Number(m[1]);
    const t = Number(m[2]);
    if (m[3] === 'exec') events.push({ pid, t, kind: 'exec', file: /filename=(\S+)/.exec(m[4]!)?.[1] ?? '' });
    else if (/group_dead=(true|1)\b/.test(m[4]!)) events.push({ pid, t, kind: 'exit', file: '' });
  }
  return events.sort((a, b) => a.t - b.t);
}

const TRACEFS = ['/sys/kernel/tracing', '/sys/kernel/debug'];

function mountedAt(dir: string): boolean {
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === dir);
}

/**
 * The exec/exit events of one run: with perf (kernel tracepoints, a few µs per event, so the
 * timeline adds up to hyperfine's mean) when it is installed, else strace (which slows every
 * clone of the Go runtime's threads: runc's share comes out 2-3× too large).
 */
function traceRun(out: string, runArgv: readonly string[]): ExecEvent[] {
  if (have('perf')) {
    run('perf', ['record', '-q', '-e', 'sched:sched_process_exec', '-e', 'sched:sched_process_exit', '-o', out, '--', ...runArgv], { quiet: true });
    return parsePerf(run('perf', ['script', '-F', 'pid,time,event,trace', '-i', out], { quiet: true }));
  }
  run('strace', ['--seccomp-bpf', '-f', '-ttt', '-e', 'trace=execve,exit_group', '-e', 'signal=none', '-o', out, ...runArgv]);
  return parseStrace(fs.readFileSync(out, 'utf8'));
}

function timeline(s: Setup, runArgv: readonly string[], n: number): string {
  if (!have('perf') && !have('strace')) return '(neither perf nor strace is installed: no timeline)\n';
  const tracer = have('perf') ? '`perf record -e sched:sched_process_exec,sched:sched_process_exit`' : '`strace --seccomp-bpf -f -e trace=execve,exit_group` (which slows runc’s thread start-up)';
  const tracefsBefore = TRACEFS.filter(mountedAt);
  const all: number[][] = [];
  let tools = '';
  try {
    for (let i = 0; i < n; i++) {
      run(s.skiff, ['--dir', s.data, 'gc', '--grace-period=0s'], { quiet: true });
      const events = traceRun(path.join(s.work, `timeline-${i}.trace`), runArgv);
      const p = defaultPhases(events);
      if (p) all.push(p);
      tools = childTools(events);
    }
  } finally {
    // perf mounts tracefs (and debugfs) when they are not: put the host back as it was.
    for (const dir of TRACEFS) if (!tracefsBefore.includes(dir) && mountedAt(dir)) spawnSync('umount', [dir], { stdio: 'ignore' });
  }
  if (all.length === 0) return '(could not read the exec timeline)\n';
  return phaseTable(PHASES, all, [
    `Exec timeline of one \`skiff run\`, median of ${all.length} runs under ${tracer}`,
    `(total {total} ms). Child processes: ${tools}.`,
  ]);
}

// ---------------------------------------------------------------------------------------------
// --profile: the CPU profile of stage0 (with the run module in it), as a call tree

interface TreeNode {
  ms: number;
  children: Map<string, TreeNode>;
}

/** Sampled time by call path of function names, summed over the profiles and divided by their number. */
function callTree(profiles: readonly CpuProfile[]): TreeNode {
  const root: TreeNode = { ms: 0, children: new Map() };
  for (const prof of profiles) {
    const byId = new Map(prof.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    prof.samples.forEach((sample, i) => {
      const d = (prof.timeDeltas[i] ?? 0) / 1000 / profiles.length;
      const stack: string[] = [];
      for (let id: number | undefined = sample; id !== undefined; id = parent.get(id)) {
        const f = byId.get(id)!.callFrame;
        const name = f.functionName || (f.url ? `(${path.basename(f.url)} top level)` : '(anonymous)');
        if (name !== '(root)') stack.unshift(name);
      }
      let node = root;
      node.ms += d;
      for (const name of stack) {
        let next = node.children.get(name);
        if (!next) node.children.set(name, (next = { ms: 0, children: new Map() }));
        next.ms += d;
        node = next;
      }
    });
  }
  return root;
}

/** The call tree down to nodes of at least `minMs`; chains of single children are folded into one line. */
function renderTree(root: TreeNode, minMs: number, maxDepth: number): string[] {
  const lines: string[] = [];
  const visit = (name: string, node: TreeNode, depth: number): void => {
    const chain = [name];
    let cur = node;
    // Fold a chain: a node whose one child holds (nearly) all of its time.
    for (;;) {
      const kids = [...cur.children].filter(([, c]) => c.ms >= minMs);
      if (kids.length !== 1 || kids[0]![1].ms < cur.ms - minMs) break;
      chain.push(kids[0]![0]);
      cur = kids[0]![1];
    }
    const label = chain.length <= 3 ? chain.join(' › ') : `${chain[0]} › … › ${chain.at(-1)}`;
    lines.push(`${cur.ms.toFixed(1).padStart(7)} ms  ${'  '.repeat(depth)}${label}`);
    if (depth >= maxDepth) return;
    const kids = [...cur.children].filter(([, c]) => c.ms >= minMs).sort((a, b) => b[1].ms - a[1].ms);
    for (const [n, c] of kids) visit(n, c, depth + 1);
  };
  const top = [...root.children].filter(([, c]) => c.ms >= minMs).sort((a, b) => b[1].ms - a[1].ms);
  for (const [n, c] of top) visit(n, c, 0);
  return lines;
}

function cpuProfiles(s: Setup, runArgv: readonly string[], n: number): string {
  const dir = path.join(s.work, 'cpu-profiles');
  fs.mkdirSync(dir, { recursive: true });
  const hook = path.join(s.work, 'profile-hook.mjs');
  fs.writeFileSync(hook, profileHook(250, 'run-mjs'));
  for (let i = 0; i < n; i++) {
    run(s.skiff, ['--dir', s.data, 'gc', '--grace-period=0s'], { quiet: true });
    run(runArgv[0]!, runArgv.slice(1), { env: { ...process.env, NODE_OPTIONS: `--import=${hook}`, SKIFF_BENCH_PROF_DIR: dir } });
  }
  const read = (prefix: string): CpuProfile[] =>
    fs.readdirSync(dir).filter((f) => f.startsWith(prefix)).map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as CpuProfile);
  const out = ['```'];
  for (const [prefix, title] of [['stage0-', 'stage0 Node (with stage1’s run module in it)']] as const) {
    const profs = read(prefix);
    if (profs.length === 0) {
      out.push(`${title}: no profile was written`, '');
      continue;
    }
    const t = callTree(profs);
    out.push(`${title}: ${t.ms.toFixed(1)} ms sampled (mean of ${profs.length}; the profiler adds ~10-15 ms), call tree down to 2 ms:`);
    out.push(...renderTree(t, 2, 7), '');
  }
  out.push('```', '');
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------
// --profile: runc run of skiff's own bundle, beside runc run of the plain bundle

/**
 * While an idle pod runs (its sandbox holds the namespaces the bundle names), a copy of the
 * app's bundle with /bin/true and a cgroup of its own, run with runc directly: how much of
 * `runc run → app` is the bundle (seccomp, namespaces by path, cgroups in every v1 hierarchy,
 * mounts) rather than skiff.
 */
async function skiffBundleRuns(s: Setup, runs: number): Promise<string> {
  const uuidFile = path.join(s.work, 'bundle-pod.uuid');
  const child = spawn(s.skiff, ['--dir', s.data, 'run', '--net=none', `--uuid-file-save=${uuidFile}`, IMAGE_NAME, '--exec=/bin/sleep', '--', '120'], { stdio: 'ignore' });
  try {
    const uuid = await waitFor('the pod uuid', () => (fs.existsSync(uuidFile) && fs.readFileSync(uuidFile, 'utf8').trim()) || undefined);
    const pod = path.join(s.data, 'pods', 'run', uuid);
    await waitFor('the pod to start', () => (fs.existsSync(path.join(pod, 'started')) ? true : undefined));
    type Spec = { process: { args: string[] }; linux: { cgroupsPath?: string; seccomp?: unknown } };
    const bundleOf = (name: string, edit: (spec: Spec) => void): string => {
      const spec = JSON.parse(fs.readFileSync(path.join(pod, 'bundles', 'true', 'config.json'), 'utf8')) as Spec;
      spec.process.args = ['/bin/true'];
      spec.linux.cgroupsPath = `/${path.basename(s.work)}-skiff-bundle/${name}`;
      edit(spec);
      const dir = path.join(s.work, `skiff-bundle-${name}`);
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(spec));
      return dir;
    };
    const full = bundleOf('full', () => {});
    const noSeccomp = bundleOf('no-seccomp', (spec) => delete spec.linux.seccomp);
    // A namespace of its own for crun, made now: the first one predates the pod's overlay mount.
    const ns = makeNamespace(s.work, 'ns-bundle');
    const runc = (bundle: string, id: string): string[] => ['runc', '--root', `${s.work}/runc-state`, 'run', '--bundle', bundle, id];
    const crun = (bundle: string, id: string): string[] => ['nsenter', `--mount=${ns}`, 'crun', '--root', `${s.work}/crun-state`, 'run', '--bundle', bundle, id];
    const rows = hyperfine(
      s,
      [
        { label: 'runc: skiff’s bundle for the app', argv: runc(full, 'skiff-bench-sb'), prepare: 'true' },
        { label: 'runc: the same without `linux.seccomp`', argv: runc(noSeccomp, 'skiff-bench-sb'), prepare: 'true' },
        { label: 'runc: the `runc spec` bundle (the table above)', argv: runc(s.bundle, 'skiff-bench-runc'), prepare: 'true' },
        { label: 'crun (in the namespace): skiff’s bundle for the app', argv: crun(full, 'skiff-bench-sb'), prepare: 'true' },
        { label: 'crun (in the namespace): the same without `linux.seccomp`', argv: crun(noSeccomp, 'skiff-bench-sb'), prepare: 'true' },
      ],
      runs,
      3,
      process.env,
      'hyperfine-bundle',
    );
    return [
      `\`runc run\` and \`crun run\` of the pod's own bundle (its config.json with /bin/true and a cgroup of its own; an idle pod's sandbox holds the namespaces it joins), with and without its seccomp filter, beside the \`runc spec\` bundle; \`hyperfine -N --runs ${runs}\`:`,
      '',
      '| runtime: bundle | mean ± σ ms | min ms |',
      '|---|---:|---:|',
      ...rows.map((r) => `| ${r.label} | ${ms(r.stat.mean)} ± ${ms(r.stat.stddev)} | ${ms(r.stat.min)} |`),
      '',
    ].join('\n');
  } finally {
    if (fs.existsSync(uuidFile)) run(s.skiff, ['--dir', s.data, 'stop', '--force', fs.readFileSync(uuidFile, 'utf8').trim()], { quiet: true, allowFail: true });
    await Promise.race([new Promise((r) => child.on('exit', r)), sleep(15_000)]);
    run(s.skiff, ['--dir', s.data, 'gc', '--grace-period=0s'], { quiet: true, allowFail: true });
  }
}

// ---------------------------------------------------------------------------------------------
// The report

const BEGIN = '<!-- bench/run-default.ts: results begin -->';
const END = '<!-- bench/run-default.ts: results end -->';
const HEADING = '## Pods: default stage1';

function table(rows: readonly Row[]): string {
  const skiff = rows.find((r) => r.label === 'skiff run')!.stat;
  const out = [
    '| command | mean ± σ ms | median ms | min ms | skiff run ÷ this (mean) | skiff run − this (mean) ms |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const s = r.stat;
    const self = r.label === 'skiff run';
    out.push(
      `| \`${r.shown}\` | ${ms(s.mean)} ± ${ms(s.stddev)} | ${ms(s.median)} | ${ms(s.min)} | ${self ? '' : `${(skiff.mean / s.mean).toFixed(2)}×`} | ${self ? '' : `${ms(skiff.mean - s.mean)}`} |`,
    );
  }
  return out.join('\n');
}

function memoryTable(m: MemoryResult): string {
  const row = (r: MemRow, bold = false): string => {
    const b = bold ? '**' : '';
    return `| ${b}${r.what}${b} | ${r.count} | ${b}${mib(r.mem.rssKib)}${b} | ${mib(r.mem.pssKib)} |`;
  };
  return [
    '| process (idle pod, `--net=none`, one app `sleep 60`) | n | VmRSS MiB | PSS MiB |',
    '|---|---:|---:|---:|',
    ...m.skiff.map((r) => row(r)),
    row({ what: 'skiff-owned, total', count: m.skiff.reduce((a, r) => a + r.count, 0), mem: m.skiffTotal }, true),
    row(m.runtime),
    row({ what: 'skiff-owned + runtime', count: m.skiff.reduce((a, r) => a + r.count, 0) + 1, mem: { rssKib: m.skiffTotal.rssKib + m.runtime.mem.rssKib, pssKib: m.skiffTotal.pssKib + m.runtime.mem.pssKib } }),
    row(m.app),
    row({ ...m.conmon, what: 'podman: conmon (everything podman keeps per idle container; crun exits after the start)' }, true),
    row({ ...m.podmanApp, what: 'podman: the app (`sleep 60`)' }),
  ].join('\n');
}

function verdict(rows: readonly Row[], m: MemoryResult, runtimeName: string): string[] {
  const get = (label: string): Stat => rows.find((r) => r.label === label)!.stat;
  const skiff = get('skiff run');
  const podman = get('podman run');
  const podmanRunc = get('podman run (runc)');
  const rt = get(`${runtimeName} run`);
  const budget = rt.mean + BUDGET_OVER_RUNTIME_MS / 1000;
  const mark = (ok: boolean): string => (ok ? '**met**' : '**missed**');
  const fasterOk = skiff.mean < podman.mean;
  const budgetOk = skiff.mean <= budget;
  const rssOk = m.skiffTotal.rssKib <= RSS_TARGET_KIB;
  return [
    `- Faster than \`podman run\`: ${mark(fasterOk)}. skiff ${ms(skiff.mean)} ms against podman ${ms(podman.mean)} ms (crun) and ${ms(podmanRunc.mean)} ms (runc): ` +
      `${(skiff.mean / podman.mean).toFixed(2)}× and ${(skiff.mean / podmanRunc.mean).toFixed(2)}× podman's time (minimums: ${ms(skiff.min)} against ${ms(podman.min)} and ${ms(podmanRunc.min)} ms).`,
    `- Within the runtime's own \`run\` + ${BUDGET_OVER_RUNTIME_MS} ms: ${mark(budgetOk)}. skiff used ${runtimeName} here; \`${runtimeName} run\` took ${ms(rt.mean)} ms, so the budget is ` +
      `${ms(budget)} ms and skiff took ${ms(skiff.mean)} ms, ${ms(skiff.mean - rt.mean)} ms over the runtime (${budgetOk ? `${ms(budget - skiff.mean)} ms to spare` : `${ms(skiff.mean - budget)} ms over budget`}).`,
    `- At most 25 MiB of skiff-owned RSS per idle pod: ${mark(rssOk)}. ${mib(m.skiffTotal.rssKib)} MiB VmRSS (${mib(m.skiffTotal.pssKib)} MiB PSS) over ${m.skiff.reduce((a, r) => a + r.count, 0)} processes, ` +
      `${mib(m.skiffTotal.rssKib + m.runtime.mem.rssKib)} MiB with the \`${runtimeName} run\` process beside them; podman keeps ${mib(m.conmon.mem.rssKib)} MiB (conmon) per idle container.`,
  ];
}

function machine(): string {
  const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter(Boolean).length;
  // The machine may be shared: the load when the run started says how quiet it was.
  const load = os.loadavg()[0]!.toFixed(2);
  return `${cpuLine()}, ${mounts} mounts in the namespace, load average ${load} at the start`;
}

function versions(): string {
  const commit = spawnSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
  const dirty = spawnSync('git', ['-C', ROOT, 'status', '--porcelain', '--', 'stage0', 'stage1', 'common', 'store', 'scripts'], { encoding: 'utf8' }).stdout.trim() ? '+changes' : '';
  return [
    `Node ${firstLine(NODE, ['--version'])}`,
    `skiff ${commit}${dirty}`,
    firstLine('runc', ['--version']).replace(' version ', ' '),
    firstLine('crun', ['--version']).replace(' version ', ' '),
    firstLine('podman', ['--version']).replace(' version ', ' '),
    firstLine('conmon', ['--version']).replace(' version ', ' '),
    `catatonit ${/\d+\.\d+\.\d+/.exec(firstLine('catatonit', ['--version']))?.[0] ?? '?'}`,
  ]
    .filter(Boolean)
    .join(', ')
    .replace(/\s+\(.*?\)/g, '');
}

// ---------------------------------------------------------------------------------------------
// Clean-up: pods, podman, namespace, cgroups, the work directory

/** rmdir a cgroup directory (children first) in every v1 hierarchy and the unified one. */
function removeCgroup(rel: string): void {
  const base = '/sys/fs/cgroup';
  const roots = fs.existsSync(path.join(base, 'cgroup.controllers')) ? [base] : fs.readdirSync(base).map((h) => path.join(base, h));
  const rmTree = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) rmTree(path.join(dir, e.name));
    try {
      fs.rmdirSync(dir);
    } catch (err) {
      console.warn(`cannot remove cgroup ${dir}: ${(err as Error).message}`);
    }
  };
  for (const r of roots) {
    const dir = path.join(r, rel);
    if (fs.existsSync(dir)) rmTree(dir);
  }
}

function cleanUp(work: string, s: Partial<Setup>): void {
  if (s.skiff && s.data) spawnSync(s.skiff, ['--dir', s.data, 'gc', '--grace-period=0s'], { stdio: 'ignore' });
  if (s.podman && s.podmanEnv) {
    const podman = (args: string[]): void => {
      spawnSync(s.podman![0]!, [...s.podman!.slice(1), ...args], { stdio: 'ignore', env: s.podmanEnv });
    };
    podman(['rm', '--all', '--force', '--time', '0']);
    podman(['rmi', '--all', '--force']);
  }
  for (const id of ['skiff-bench-runc', 'skiff-bench-sb']) spawnSync('runc', ['--root', `${work}/runc-state`, 'delete', '--force', id], { stdio: 'ignore' });
  if (s.ns) {
    for (const id of ['skiff-bench-crun', 'skiff-bench-sb']) spawnSync('nsenter', [`--mount=${s.ns}`, 'crun', '--root', `${work}/crun-state`, 'delete', '--force', id], { stdio: 'ignore' });
  }
  // The namespace goes when its file is unmounted and no process is left in it; its mounts with it.
  for (const p of mountsUnder(work).reverse()) spawnSync('umount', ['-l', p], { stdio: 'ignore' });
  removeCgroup(`${path.basename(work)}-podman`);
  removeCgroup(`${path.basename(work)}-skiff-bundle`);
  if (mountsUnder(work).length > 0) throw new Error(`${work} still has mounts; not deleting it`);
  fs.rmSync(work, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      work: { type: 'string' },
      runs: { type: 'string', default: '20' },
      warmup: { type: 'string', default: '3' },
      profile: { type: 'boolean', default: false },
      'write-docs': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
    },
  });
  if (process.getuid?.() !== 0) throw new Error('run as root: skiff run, runc, crun and podman need it');
  if (!fs.existsSync(path.join(ROOT, 'dist', 'skiff.mjs')) || !fs.existsSync(path.join(ROOT, 'dist', 'stage1-default.aci'))) {
    throw new Error('build skiff first: node scripts/build.ts (dist/skiff.mjs and dist/stage1-default.aci)');
  }
  for (const tool of ['hyperfine', 'runc', 'crun', 'podman', 'conmon', 'catatonit', 'unshare', 'nsenter', 'busybox', 'tar']) {
    if (!have(tool)) throw new Error(`${tool} is not installed (./setup installs it)`);
  }
  const work = path.resolve(values.work ?? `/var/tmp/skiff-bench-default-${Date.now()}`);
  fs.mkdirSync(work, { recursive: true });
  if (fs.readdirSync(work).length > 0) throw new Error(`${work} must be new`);
  let s: Partial<Setup> = { work };
  // Anything a run leaves in $TMPDIR stays in WORK, not in the host's /tmp.
  fs.mkdirSync(path.join(work, 'tmp'));
  process.env.TMPDIR = path.join(work, 'tmp');
  try {
    s = await setUp(work);
    const setup = s as Setup;
    const runArgv = [setup.skiff, '--dir', setup.data, 'run', '--net=none', IMAGE_NAME];
    // The first run imports the stage1 image and warms Node's compile cache; its pod says which runtime skiff chose.
    const first = path.join(work, 'first.uuid');
    run(runArgv[0]!, [...runArgv.slice(1, -1), `--uuid-file-save=${first}`, IMAGE_NAME]);
    const runtimeName = (JSON.parse(fs.readFileSync(path.join(podDir(setup.data, fs.readFileSync(first, 'utf8').trim()), 'runtime.json'), 'utf8')) as { name: string }).name;
    // skiff's code cache (common/code-cache.ts) writes no entry for a file changed in the last
    // two seconds, as the stage1 tree the first run rendered was: a run after that writes them,
    // so the timed runs measure the steady state rather than one cold run among them.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2100);
    run(runArgv[0]!, runArgv.slice(1), { quiet: true });
    const runs = Number(values.runs);
    const warmup = Number(values.warmup);
    const host = machine();
    const rows = hyperfine(setup, runCases(setup), runs, warmup, setup.podmanEnv, 'hyperfine');
    const mem: MemoryResult = { ...(await skiffMemory(setup)), ...(await podmanMemory(setup)) };
    const lines = [
      `Measured ${new Date().toISOString().slice(0, 10)} on ${host}; ${versions()}; with`,
      `\`node bench/run-default.ts --runs=${runs}${values.profile ? ' --profile' : ''} --write-docs\`:`,
      `\`hyperfine -N --warmup ${warmup} --runs ${runs}\`, the image already fetched, \`skiff gc --grace-period=0s\` before each skiff run (its --prepare, not timed).`,
      `skiff chose ${runtimeName} (cgroups: ${fs.existsSync('/sys/fs/cgroup/cgroup.controllers') ? 'unified' : 'hybrid/v1'}). crun and podman run in a private mount namespace entered with \`nsenter\` (the \`nsenter … /bin/true\` row is that wrapper alone; \`node -e 0\` is one bare start-up of skiff's Node); \`PODMAN\` below is`,
      `\`${shown(setup, setup.podman)}\`, with \`CONTAINERS_CONF\` naming a private containers.conf (file locks, network config dir).`,
      '',
      table(rows).split(shown(setup, setup.podman)).join('PODMAN'),
      '',
      `Memory of one idle pod (\`skiff run --net=none IMAGE --exec=/bin/sleep -- 60\`, read from /proc/PID/status and smaps_rollup once it runs) beside an idle \`podman run -d … sleep 60\`:`,
      '',
      memoryTable(mem),
      '',
      'Against the targets:',
      '',
      ...verdict(rows, mem, runtimeName),
      '',
    ];
    console.log(`\n${lines.join('\n')}`);
    if (values.profile) {
      const tl = timeline(setup, runArgv, 10);
      const bundle = await skiffBundleRuns(setup, runs);
      const cpu = cpuProfiles(setup, runArgv, 7);
      console.log(`${tl}\n${bundle}\n${cpu}`);
      lines.push('### Where the time goes: measurements', '', tl, bundle, cpu);
    }
    if (values['write-docs']) writeDocsSection(HEADING, BEGIN, END, lines.join('\n'));
  } finally {
    if (values.keep) console.log(`kept ${work}`);
    else cleanUp(work, s);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
