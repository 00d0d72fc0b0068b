// The life of a default-stage1 pod: rkt's exit-status rule across three apps, `stop` (SIGTERM
// forwarded, the apps' statuses recorded) and `stop --force`, `enter` into a running app with
// its user, environment and working directory, per-app logs, a pipe on --interactive, the
// usage `status --stats` reads, and stage1's own failures (127) before anything starts.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { entrySource } from '../../../common/code-cache.ts';
import { codeCacheDir, ROOT_COMPILE_CACHE_DIR } from '../../../common/layout.ts';
import { readPodCgroupStats } from '../../../common/cgroup-stats.ts';
import { REPO_ROOT, SKIFF_BIN, runSkiff } from '../../helpers/cli.ts';
import { missingTools } from '../../helpers/images.ts';
import { statusOf } from '../pods/pod-helpers.ts';
import type { Env } from './default-pod.ts';
import { INSECURE, assertNothingLeft, enterPod, makeEnv, outLines, runPod, skipUnlessDefaultStage1, startPod, waitFor } from './default-pod.ts';

const skip = skipUnlessDefaultStage1();
let env: Env;
let image = '';

describe('default stage1: life cycle', { skip }, () => {
  before(async () => {
    env = makeEnv('skiff-life-');
    image = await env.images.aci({ name: 'example.com/life', exec: ['/bin/true'] });
  });
  after(() => env?.cleanup());

  it('three apps, one fails with 3: the others are stopped and run exits 3', async () => {
    const t0 = Date.now();
    const res = await runPod(env, ['--net=none',
      image, '--name=a', '--exec=/bin/sleep', '--', '60', '---',
      image, '--name=b', '--exec=/bin/sh', '--', '-c', 'sleep 0.5; exit 3', '---',
      image, '--name=c', '--exec=/bin/sleep', '--', '60']);
    assert.equal(res.code, 3, res.stderr);
    assert.ok(Date.now() - t0 < 20_000, 'the sleepers were stopped');
    const status = await statusOf(env.data.path, res.uuid);
    assert.equal(status['app-b'], '3');
    assert.equal(status['app-a'], '143');
    assert.equal(status['app-c'], '143');
    assert.equal(status['exited'], 'true');
    assertNothingLeft(res.uuid);
  });

  it('all apps succeed: 0; a command missing from the image: 127 before anything starts', async () => {
    const ok = await runPod(env, ['--net=none', image, '--name=one', '---', image, '--name=two', '--exec=/bin/sh', '--', '-c', 'sleep 0.2']);
    assert.equal(ok.code, 0, ok.stderr);
    const missing = await runPod(env, ['--net=none', image, '--exec=/no/such/command']);
    assert.equal(missing.code, 127);
    assert.match(missing.stderr, /\/no\/such\/command not found in the image/);
    assertNothingLeft(missing.uuid);
  });

  it('the run module runs in stage0, whose pid the monitor keeps; the sandbox is not its child', async () => {
    const pod = await startPod(env, ['--net=none', image, '--exec=/bin/sh', '--', '-c', 'echo up; sleep 60']);
    const pid = Number((await statusOf(env.data.path, pod.uuid))['pid']);
    assert.equal(pid, pod.run.pid, 'the pod pid is the skiff process started (stage0 exec\'d the monitor)');
    const children = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    const names = children.map((c) => fs.readFileSync(`/proc/${c}/comm`, 'utf8').trim());
    assert.ok(!names.includes('unshare') && !names.includes('catatonit'), `the monitor's children: ${names.join(', ')}`);
    assert.equal((await runSkiff(['stop', '--force', pod.uuid], { dataDir: env.data.path })).code, 0);
    assert.equal((await pod.run.done).code, 137);
    assertNothingLeft(pod.uuid);
  });

  it('a run keeps what V8 compiled of stage0\'s run bundle and of the stage1 run module; later runs load it', async () => {
    const dir = codeCacheDir(ROOT_COMPILE_CACHE_DIR, process.version, process.arch);
    const sources = (): (string | undefined)[] =>
      fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => n.endsWith('.v8')).map((n) => entrySource(fs.readFileSync(path.join(dir, n)))) : [];
    // A source changed in the last two seconds gets no entry: let this store's stage1 tree age.
    assert.equal((await runPod(env, ['--net=none', image])).code, 0);
    await sleep(2100);
    assert.equal((await runPod(env, ['--net=none', image])).code, 0);
    const have = sources();
    assert.ok(have.includes(path.join(REPO_ROOT, 'dist', 'stage0', 'run.cjs')), `entries: ${have.join(', ')}`);
    const stage1 = have.find((f) => f?.startsWith(`${env.data.path}/`) && f.endsWith('/rootfs/skiff/stage1/run.cjs'));
    assert.ok(stage1, `no entry for this store's stage1 run module among ${have.join(', ')}`);
    const entry = fs.statSync(path.join(dir, fs.readdirSync(dir).find((n) => entrySource(fs.readFileSync(path.join(dir, n))) === stage1)!));
    assert.equal(entry.mode & 0o777, 0o600);
    const res = await runPod(env, ['--net=none', image, '--exec=/bin/sh', '--', '-c', 'echo from-cache']);
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(outLines(res.stdout), ['from-cache']);
  });

  it('SKIFF_STAGE1_RUN_MODULE=0: the run entrypoint (run.sh + run.cjs) does the same', async () => {
    const res = await runPod(env, ['--net=none', image, '--name=x', '--exec=/bin/sh', '--', '-c', 'echo via-run-sh; exit 4', '---',
      image, '--name=y', '--exec=/bin/sleep', '--', '60'], { env: { SKIFF_STAGE1_RUN_MODULE: '0' } });
    assert.equal(res.code, 4, res.stderr);
    assert.deepEqual(outLines(res.stdout), ['via-run-sh']);
    const status = await statusOf(env.data.path, res.uuid);
    assert.equal(status['app-x'], '4');
    assert.equal(status['app-y'], '143');
    assertNothingLeft(res.uuid);
  });

  it('SKIFF_NATIVE=0 (no C helper): flock(1), mount(8) and a shell for the lock hand-off do the same; stdin still reaches the app', async () => {
    const res = await runPod(env, ['--net=none', '--interactive', image, '--name=n', '--exec=/bin/sh', '--', '-c', 'read line; echo "got $line"; exit 5'], {
      env: { SKIFF_NATIVE: '0' },
      input: 'typed\n',
    });
    assert.equal(res.code, 5, res.stderr);
    assert.deepEqual(outLines(res.stdout), ['got typed']);
    assert.equal((await statusOf(env.data.path, res.uuid))['app-n'], '5');
    assertNothingLeft(res.uuid);
  });

  it('stop: SIGTERM reaches the apps; status and logs keep what they said', async () => {
    const pod = await startPod(env, ['--net=none', image, '--exec=/bin/sh', '--', '-c', 'trap "echo got-term; exit 7" TERM; echo started; while :; do sleep 0.1; done']);
    const running = await statusOf(env.data.path, pod.uuid);
    assert.equal(running['state'], 'running');
    assert.ok(Number(running['pid']) > 0);
    await waitFor('the app to say it started', async () => ((await runSkiff(['logs', pod.uuid], { dataDir: env.data.path })).stdout.includes('started') ? true : undefined));
    const stop = await runSkiff(['stop', pod.uuid], { dataDir: env.data.path });
    assert.equal(stop.code, 0, stop.stderr);
    const res = await pod.run.done;
    assert.equal(res.code, 7, res.stderr);
    assert.deepEqual(outLines(res.stdout), ['started', 'got-term']);
    assert.equal((await statusOf(env.data.path, pod.uuid))['app-life'], '7');
    const logs = await runSkiff(['logs', pod.uuid], { dataDir: env.data.path });
    assert.deepEqual(outLines(logs.stdout), ['started', 'got-term']);
    assertNothingLeft(pod.uuid);
  });

  it('stop --force kills every process of the pod at once', async () => {
    const pod = await startPod(env, ['--net=none', image, '--name=deaf', '--exec=/bin/sh', '--', '-c', "trap '' TERM; sleep 60 & while :; do sleep 1; done"]);
    const t0 = Date.now();
    const stop = await runSkiff(['stop', '--force', pod.uuid], { dataDir: env.data.path });
    assert.equal(stop.code, 0, stop.stderr);
    const res = await pod.run.done;
    assert.ok(Date.now() - t0 < 5000, 'no grace period');
    assert.equal(res.code, 137, res.stderr);
    assert.equal((await statusOf(env.data.path, pod.uuid))['app-deaf'], '137');
    assertNothingLeft(pod.uuid);
  });

  it('enter runs a command in a running app with its user, environment and working directory; exit status is the command’s', async () => {
    const pod = await startPod(env, ['--net=none', image, '--name=svc', '--user=app', '--group=app', '--environment=GREETING=hi', '--working-dir=/tmp', '--exec=/bin/sleep', '--', '60']);
    const res = await enterPod(pod.dir, pod.uuid, ['--app=svc'], ['/bin/sh', '-c', 'id -u; echo $GREETING; pwd; ps -o comm | grep -c sleep; exit 5']);
    assert.equal(res.code, 5, res.stderr);
    assert.deepEqual(outLines(res.stdout), ['1000', 'hi', '/tmp', '1']);
    const missing = await enterPod(pod.dir, pod.uuid, [], ['/no/such']);
    assert.equal(missing.code, 127);
    // The usage `status --stats` shows, while the app runs.
    const [stats] = readPodCgroupStats(pod.dir);
    assert.equal(stats?.app, 'svc');
    assert.equal(stats?.running, true);
    assert.ok((stats?.memoryBytes ?? 0) > 0 && (stats?.cpuNs ?? 0) > 0 && (stats?.pids ?? 0) >= 1, JSON.stringify(stats));
    await runSkiff(['stop', '--force', pod.uuid], { dataDir: env.data.path });
    await pod.run.done;
    assert.deepEqual(readPodCgroupStats(pod.dir).map((s) => s.running), [false]);
  });

  it('--interactive on a terminal: the app gets a pseudo-terminal and /dev/console', { skip: missingTools('script').length > 0 && 'no script(1)' }, async () => {
    const cmd = `${SKIFF_BIN} --dir ${env.data.path} ${INSECURE} run --net=none --interactive ${image} --exec=/bin/sh -- -c 'tty; [ -e /dev/console ] && echo has-console; exit 4'`;
    const res = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
    assert.equal(res.status, 4, res.stdout + res.stderr);
    // The terminal also shows stage0's progress lines (it is a TTY): look for the app's.
    const lines = outLines(res.stdout.replaceAll('\r', ''));
    assert.ok(lines.some((l) => /\/dev\/pts\/\d+$/.test(l)), res.stdout);
    // script(1) sends its end of input (stdin is /dev/null) to the terminal; when that lands
    // after the app has set the terminal up, the terminal echoes it as "^@" before the next line.
    assert.ok(lines.some((l) => l.endsWith('has-console')), res.stdout);
  });

  it('--interactive: the app reads skiff’s stdin (a pipe: no terminal)', async () => {
    const res = await runPod(env, ['--net=none', '--interactive', image, '--exec=/bin/sh', '--', '-c', 'read line; echo "got $line"; tty || true'], { input: 'typed\n' });
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(outLines(res.stdout), ['got typed', 'not a tty']);
    const quiet = await runPod(env, ['--net=none', image, '--exec=/bin/cat'], { input: 'not for the app\n' });
    assert.equal(quiet.stdout, '', 'without --interactive stdin is /dev/null');
  });
});
