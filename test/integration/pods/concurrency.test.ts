// Racing pod commands (STYLE 25, docs/pod-lifecycle.md "Exactly one winner"): five concurrent
// run-prepared of one prepared pod have exactly one winner, and the losers fail at once (125,
// one line) instead of waiting for it; five concurrent `skiff run` of different pods in a fresh
// data dir (all importing the image and the stage1 at the same time) all succeed.
import { spawn, spawnSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runSkiff, startSkiff, tempDir } from '../../helpers/cli.ts';
import type { RunResult, TempDir } from '../../helpers/cli.ts';
import { ImageMaker, dirsOf, mountsUnder, oneLine, podDataDir, podDirs, prepareFly, runFly, skipUnlessPods, statusOf } from './pod-helpers.ts';

const skip = skipUnlessPods();

let tmp: TempDir;
let image = '';

interface Timed extends RunResult {
  ms: number;
}

async function timed(p: Promise<RunResult>, started: number): Promise<Timed> {
  const r = await p;
  return { ...r, ms: Date.now() - started };
}

describe('concurrent pods', { skip }, () => {
  before(async () => {
    tmp = tempDir('skiff-race-');
    image = await new ImageMaker(tmp.path).aci({ name: 'example.com/race', exec: ['/bin/sh', '-c', 'echo "app $AC_APP_NAME"'] });
  });
  after(() => tmp?.cleanup());

  it('5 concurrent run-prepared of one pod: one runs it, four fail at once with 125', async () => {
    using data = podDataDir();
    const uuid = await prepareFly(data.path, [image, '--exec=/bin/sh', '--', '-c', 'sleep 2; echo winner']);
    const t0 = Date.now();
    const results = await Promise.all(Array.from({ length: 5 }, () => timed(startSkiff(['run-prepared', uuid], { dataDir: data.path }).done, t0)));
    const winners = results.filter((r) => r.code === 0);
    const losers = results.filter((r) => r.code !== 0);
    assert.equal(winners.length, 1, results.map((r) => `${r.code}: ${r.stderr}`).join('\n'));
    assert.equal(winners[0]!.stdout, 'winner\n');
    assert.ok(winners[0]!.ms >= 2000, `the winner ran the app (${winners[0]!.ms} ms)`);
    for (const l of losers) {
      assert.equal(l.code, 125, l.stderr);
      assert.match(oneLine(l, /^skiff: /), /locked by another skiff|is running, not prepared|no longer prepared|not prepared/);
      assert.equal(l.stdout, '');
      assert.ok(l.ms < 1900, `a loser fails at once instead of waiting for the winner (${l.ms} ms)`);
    }
    assert.deepEqual(dirsOf(data.path, uuid), [`run/${uuid}`]);
    assert.equal((await statusOf(data.path, uuid)).state, 'exited');
  });

  it('run-prepared while another holds the pod fails at once, and the pod stays runnable', async () => {
    using data = podDataDir();
    const uuid = await prepareFly(data.path, [image]);
    // Hold the pod's lock as a running skiff would (flock on the pod directory).
    const holder = holdLock(`${data.path}/pods/prepared/${uuid}`);
    try {
      await holder.ready;
      const res = await runSkiff(['run-prepared', uuid], { dataDir: data.path });
      assert.equal(res.code, 125);
      assert.match(oneLine(res, /^skiff: /), /locked by another skiff/);
      assert.deepEqual(dirsOf(data.path, uuid), [`prepared/${uuid}`], 'the loser did not move it');
    } finally {
      await holder.release();
    }
    const ok = await runSkiff(['run-prepared', uuid], { dataDir: data.path });
    assert.equal(ok.code, 0, ok.stderr);
  });

  it('5 concurrent `skiff run` in a fresh data dir all succeed, each its own pod', async () => {
    using data = podDataDir();
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => runFly(data.path, [image, `--name=app-${i}`])));
    results.forEach((r, i) => {
      assert.equal(r.code, 0, `run ${i}: ${r.stderr}`);
      assert.equal(r.stdout, `app app-${i}\n`);
    });
    const pods = podDirs(data.path);
    assert.equal(pods.length, 5, pods.join('\n'));
    assert.ok(pods.every((p) => p.startsWith('run/')));
    const images = JSON.parse((await runSkiff(['image', 'list', '--format=json'], { dataDir: data.path })).stdout) as { name: string }[];
    assert.deepEqual(images.map((i) => i.name).sort(), ['example.com/race', 'skiff.dev/stage1-fly'], 'each image imported once');
    assert.equal((await runSkiff(['gc', '--grace-period=0s'], { dataDir: data.path })).code, 0);
    assert.deepEqual(podDirs(data.path), []);
    assert.deepEqual(mountsUnder(data.path), []);
  });
});

/** Holds an exclusive flock on `dir` in a child (flock(1) running a shell) until released. */
function holdLock(dir: string): { ready: Promise<void>; release(): Promise<void> } {
  // Its own process group, so release() kills flock and the shell (which inherits the lock fd) together.
  const child = spawn('flock', ['-x', '-n', dir, 'sh', '-c', 'echo locked; exec sleep 30'], { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    void exited.then(() => reject(new Error(`flock ${dir} exited before holding the lock`)));
  });
  return {
    ready,
    release: async () => {
      process.kill(-child.pid!, 'SIGKILL');
      await exited;
      // The shell holding a copy of the lock fd dies with the group; wait until the lock is free.
      for (let i = 0; i < 200 && spawnSync('flock', ['-x', '-n', dir, 'true']).status !== 0; i++) await new Promise((r) => setTimeout(r, 10));
    },
  };
}
