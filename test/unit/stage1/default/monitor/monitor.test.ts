// The real monitor.sh, run with a plan from renderMonitorPlan against a fake runtime, fake
// CNI plugins, a `sleep` standing in for the sandbox and temp dirs standing in for cgroups:
// rkt's exit-status rule, statuses, logs, signal forwarding with the grace period, OOM
// markers and the teardown order, all without root.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderMonitorPlan } from '../../../../../stage1/default/monitor/monitor-plan.ts';
import type { MonitorPlan } from '../../../../../stage1/default/monitor/monitor-plan.ts';
import { parseStatStartTime } from '../../../../../stage1/default/sandbox/sandbox.ts';
import { makeFakeTools } from './fake-runtime.ts';

const MONITOR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../../stage1/default/monitor.sh');
const base = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-monitor-'));
after(() => fs.rmSync(base, { recursive: true, force: true }));

interface Setup {
  dir: string;
  plan: MonitorPlan;
  tools: ReturnType<typeof makeFakeTools>;
  sandbox: ChildProcess;
  file(...p: string[]): string;
}

interface AppSpec {
  name: string;
  script: string;
  oomCounter?: string;
}

let n = 0;
function setup(apps: AppSpec[], opts: { grace?: number; interactive?: boolean; cni?: boolean } = {}): Setup {
  const dir = path.join(base, `pod-${n++}`);
  const file = (...p: string[]): string => path.join(dir, ...p);
  for (const d of ['bundles', 'status', 'logs', 'oom', 'runtime', 'cgroup/skiff/pod']) fs.mkdirSync(file(d), { recursive: true });
  const tools = makeFakeTools(file('tools'));
  for (const a of apps) {
    fs.mkdirSync(file('bundles', a.name));
    fs.writeFileSync(file('bundles', a.name, 'cmd'), a.script);
    fs.mkdirSync(file('cgroup/skiff/pod', a.name));
  }
  const sandbox = spawn('sleep', ['60'], { stdio: 'ignore' });
  const startTime = parseStatStartTime(fs.readFileSync(`/proc/${sandbox.pid}/stat`, 'utf8'))!;
  const plan: MonitorPlan = {
    debug: false,
    runtime: [tools.runtime, '--root', file('runtime')],
    runtimeRun: [tools.runtime, '--root', file('runtime')],
    runtimeState: file('runtime'),
    runFlags: ['--keep'],
    apps: apps.map((a) => ({
      name: a.name,
      id: a.name,
      bundle: file('bundles', a.name),
      log: file('logs', a.name),
      status: file('status', a.name),
      oomMarker: file('oom', a.name),
      oomCounter: a.oomCounter ?? '',
      oomRule: 'own' as const,
    })),
    interactive: opts.interactive ?? false,
    graceSeconds: opts.grace ?? 5,
    startedFile: file('started'),
    sandbox: { pid: sandbox.pid!, startTime },
    ...(opts.cni
      ? {
          cni: {
            containerId: 'the-uuid',
            netns: file('netns'),
            cniPath: tools.dir,
            record: file('teardown.json'),
            steps: [
              { plugin: tools.plugin('ptp'), ifName: 'eth0', config: file('del-0.json') },
              { plugin: tools.plugin('portmap'), ifName: 'eth0', config: file('del-1.json') },
            ],
          },
        }
      : {}),
    netnsMount: '',
    cgroupDirs: [...apps.map((a) => file('cgroup/skiff/pod', a.name)), file('cgroup/skiff/pod')],
  };
  if (opts.cni) {
    fs.writeFileSync(file('del-0.json'), '{"type":"ptp"}');
    fs.writeFileSync(file('del-1.json'), '{"type":"portmap"}');
    fs.writeFileSync(file('teardown.json'), '{}');
  }
  fs.writeFileSync(file('plan.sh'), renderMonitorPlan(plan));
  return { dir, plan, tools, sandbox, file };
}

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  pid: number;
}

function startMonitor(s: Setup, input?: string): { child: ChildProcess; done: Promise<Ran> } {
  const child = spawn('/bin/bash', [MONITOR, s.file('plan.sh')], { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  if (input !== undefined) child.stdin?.end(input);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d.slice(0, 100_000)));
  // A monitor that hangs fails its test instead of the whole run.
  const guard = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const done = new Promise<Ran>((resolve) =>
    child.once('close', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr, pid: child.pid! });
    }),
  );
  return { child, done };
}

const read = (f: string): string => fs.readFileSync(f, 'utf8');
const statusOf = (s: Setup, app: string): string => read(s.file('status', app)).trim();

async function waitForFile(f: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!fs.existsSync(f)) {
    if (Date.now() > deadline) throw new Error(`no ${f} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const gone = (pid: number): boolean => !fs.existsSync(`/proc/${pid}`) || /\) Z /.test(read(`/proc/${pid}/stat`));

describe('the pod monitor (monitor.sh)', () => {
  it("applies rkt's rule: the first failing app stops the others, its status is the pod's", async () => {
    const s = setup([
      { name: 'a', script: 'exec sleep 30\n' },
      { name: 'b', script: 'sleep 0.3; exit 3\n' },
      { name: 'c', script: 'exec sleep 30\n' },
    ], { cni: true });
    const t0 = Date.now();
    const res = await startMonitor(s).done;
    assert.equal(res.code, 3, res.stderr);
    assert.ok(Date.now() - t0 < 4000, 'the others were stopped, not waited for');
    assert.deepEqual(['a', 'b', 'c'].map((a) => statusOf(s, a)), ['143', '3', '143']);
    assert.ok(fs.existsSync(s.file('started')));
    const calls = s.tools.calls();
    for (const app of ['a', 'b', 'c']) {
      assert.ok(calls.some((c) => c.startsWith('run --keep --bundle') && c.endsWith(` ${app}`)), `run ${app}: ${calls.join('\n')}`);
      assert.ok(calls.includes(`delete --force ${app}`), `delete ${app}`);
    }
    assert.ok(calls.includes('kill a TERM') && calls.includes('kill c TERM'), calls.join('\n'));
    // CNI DEL in reverse order, with the pod's parameters and the recorded stdin.
    const dels = calls.filter((c) => c.startsWith('DEL'));
    assert.deepEqual(dels, [
      `DEL portmap eth0 the-uuid ${s.file('netns')} {"type":"portmap"}`,
      `DEL ptp eth0 the-uuid ${s.file('netns')} {"type":"ptp"}`,
    ]);
    assert.ok(!fs.existsSync(s.file('teardown.json')), 'the record goes once every DEL succeeded');
    assert.ok(gone(s.sandbox.pid!), 'the sandbox is killed');
    assert.ok(!fs.existsSync(s.file('cgroup/skiff/pod')), 'the cgroup dirs are removed');
  });

  it('exits 0 when every app succeeds; output reaches both stdout/stderr and each app’s log', async () => {
    const s = setup([
      { name: 'one', script: 'echo out-one; echo err-one >&2\n' },
      { name: 'two', script: 'sleep 0.2; echo out-two\n' },
    ]);
    const res = await startMonitor(s).done;
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /out-one/);
    assert.match(res.stdout, /out-two/);
    assert.match(res.stderr, /err-one/);
    assert.doesNotMatch(res.stdout, /err-one/);
    assert.deepEqual(read(s.file('logs', 'one')).split('\n').filter(Boolean).sort(), ['err-one', 'out-one']);
    assert.equal(read(s.file('logs', 'two')), 'out-two\n');
    assert.deepEqual(['one', 'two'].map((a) => statusOf(s, a)), ['0', '0']);
  });

  it('forwards SIGTERM, and SIGKILLs what is left after the grace period', async () => {
    const s = setup([
      { name: 'polite', script: 'exec sleep 30\n' },
      { name: 'stubborn', script: "trap '' TERM; while :; do sleep 0.05; done\n" },
    ], { grace: 0.5 });
    const { child, done } = startMonitor(s);
    await waitForFile(s.file('started'));
    await new Promise((r) => setTimeout(r, 200));
    const t0 = Date.now();
    child.kill('SIGTERM');
    const res = await done;
    assert.equal(statusOf(s, 'polite'), '143');
    assert.equal(statusOf(s, 'stubborn'), '137');
    assert.equal(res.code, 143, 'the first app to fail is the one that obeyed SIGTERM');
    assert.ok(Date.now() - t0 >= 400, 'SIGKILL waited for the grace period');
    assert.ok(s.tools.calls().includes('kill stubborn KILL'));
  });

  it('marks an app the OOM killer killed, from its own counter or a rise of the pod’s', async () => {
    const s = setup([
      { name: 'own', script: 'exit 0\n' },
      { name: 'shared', script: 'sleep 0.2; kill -KILL $$\n' },
      { name: 'fine', script: 'exit 0\n' },
    ]);
    fs.writeFileSync(s.file('own-counter'), 'oom_kill_disable 0\nunder_oom 0\noom_kill 2\n');
    fs.writeFileSync(s.file('pod-counter'), 'low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n');
    fs.writeFileSync(s.file('zero-counter'), 'oom_kill 0\n');
    s.plan.apps[0]!.oomCounter = s.file('own-counter');
    s.plan.apps[1]!.oomCounter = s.file('pod-counter');
    s.plan.apps[1]!.oomRule = 'pod';
    s.plan.apps[2]!.oomCounter = s.file('zero-counter');
    fs.writeFileSync(s.file('plan.sh'), renderMonitorPlan(s.plan));
    const res = await startMonitor(s).done;
    assert.equal(res.code, 137);
    assert.equal(statusOf(s, 'shared'), '137');
    assert.ok(fs.existsSync(s.file('oom', 'own')));
    assert.ok(fs.existsSync(s.file('oom', 'shared')));
    assert.ok(!fs.existsSync(s.file('oom', 'fine')));
    assert.match(res.stderr, /app own was killed by the OOM killer/);
  });

  it('under the limit rule, marks a SIGKILLed app whose cgroup reached its limit, unless the monitor killed it', async () => {
    const s = setup([
      { name: 'hog', script: 'kill -KILL $$\n' },
      { name: 'killed', script: 'sleep 0.3; kill -KILL $$\n' },
      { name: 'fine', script: 'exit 0\n' },
    ]);
    fs.mkdirSync(s.file('hit'));
    fs.writeFileSync(s.file('hit', 'memory.failcnt'), '0\n');
    fs.writeFileSync(s.file('hit', 'memory.memsw.failcnt'), '12\n');
    fs.mkdirSync(s.file('never'));
    fs.writeFileSync(s.file('never', 'memory.failcnt'), '0\n');
    for (const [i, counter] of [[0, 'hit'], [1, 'never'], [2, 'hit']] as const) {
      s.plan.apps[i]!.oomCounter = s.file(counter);
      s.plan.apps[i]!.oomRule = 'limit';
    }
    fs.writeFileSync(s.file('plan.sh'), renderMonitorPlan(s.plan));
    const res = await startMonitor(s).done;
    assert.equal(res.code, 137);
    assert.ok(fs.existsSync(s.file('oom', 'hog')), res.stderr);
    assert.ok(!fs.existsSync(s.file('oom', 'killed')), 'its cgroup never reached a limit');
    assert.ok(!fs.existsSync(s.file('oom', 'fine')), 'a clean exit is no OOM kill');

    const t = setup([{ name: 'stubborn', script: "trap '' TERM; while :; do sleep 0.05; done\n" }], { grace: 0.2 });
    fs.mkdirSync(t.file('hit'));
    fs.writeFileSync(t.file('hit', 'memory.failcnt'), '3\n');
    t.plan.apps[0]!.oomCounter = t.file('hit');
    t.plan.apps[0]!.oomRule = 'limit';
    fs.writeFileSync(t.file('plan.sh'), renderMonitorPlan(t.plan));
    const { child, done } = startMonitor(t);
    await waitForFile(t.file('started'));
    await new Promise((r) => setTimeout(r, 200));
    child.kill('SIGTERM');
    const stopped = await done;
    assert.equal(statusOf(t, 'stubborn'), '137');
    assert.ok(!fs.existsSync(t.file('oom', 'stubborn')), `the monitor's own SIGKILL is no OOM kill: ${stopped.stderr}`);
  });

  it('deletes no container the runtime left no state for (crun removes its own as the app exits)', async () => {
    const s = setup([{ name: 'gone', script: 'exit 0\n' }]);
    s.plan.runtimeState = s.file('no-such-state');
    fs.writeFileSync(s.file('plan.sh'), renderMonitorPlan(s.plan));
    const res = await startMonitor(s).done;
    assert.equal(res.code, 0, res.stderr);
    assert.ok(!s.tools.calls().some((c) => c.startsWith('delete')), s.tools.calls().join('\n'));
  });

  it('gives an interactive app the monitor’s stdin; others get /dev/null', async () => {
    const s = setup([{ name: 'cat', script: 'exec cat\n' }], { interactive: true });
    const res = await startMonitor(s, 'typed in\n').done;
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout, 'typed in\n');
    const t = setup([{ name: 'cat', script: 'exec cat\n' }]);
    const quiet = await startMonitor(t, 'not for the app\n').done;
    assert.equal(quiet.stdout, '');
  });
});
