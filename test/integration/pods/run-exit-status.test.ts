// `skiff run` with the fly stage1 is the app by the end of the exec chain (launcher → stage0 →
// fd-swap shell → stage1 run.sh → env → setpriv → unshare → app, all one pid): its exit status,
// stdout and stdin are the app's. skiff's own failures use podman's statuses (125; 126 the
// command cannot be invoked; 127 it is not in the image) with one `skiff…:` line. stdin reaching
// the app is the lock hand-off of docs/pod-lifecycle.md at work: the pod lock rides fd 0 through
// stage0's execve and stdin comes back from the launcher's copy, for a socket (what Node gives a
// child) as well as a pipe.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { SKIFF_BIN, tempDir } from '../../helpers/cli.ts';
import type { TempDir } from '../../helpers/cli.ts';
import { ImageMaker, oneLine, podDataDir, podDirs, runFly, skipUnlessPods } from './pod-helpers.ts';

const skip = skipUnlessPods();

let tmp: TempDir;
let data: TempDir;
let image = '';

describe('fly run: exit status, stdout and stdin are the app’s', { skip }, () => {
  before(async () => {
    tmp = tempDir('skiff-exit-');
    data = podDataDir();
    image = await new ImageMaker(tmp.path).aci({
      name: 'example.com/exit',
      exec: ['/bin/sh', '-c', 'echo default'],
      extraFiles: { '/etc/not-exec': { content: '#!/bin/sh\necho no\n', mode: 0o644 }, '/opt/dir/.keep': '' },
    });
  });
  after(() => {
    data?.cleanup();
    tmp?.cleanup();
  });

  it("passes the app's exit status through", async () => {
    const res = await runFly(data.path, [image, '--exec=/bin/sh', '--', '-c', 'exit 7']);
    assert.equal(res.code, 7, res.stderr);
    assert.equal(res.stderr, '', 'nothing on stderr but what the app writes');
    const zero = await runFly(data.path, [image]);
    assert.equal(zero.code, 0, zero.stderr);
    assert.equal(zero.stdout, 'default\n');
  });

  it('an app killed by a signal ends skiff the same way (it is the same process)', async () => {
    const res = await runFly(data.path, [image, '--exec=/bin/sh', '--', '-c', 'kill -USR1 $$']);
    assert.equal(res.code, null);
    assert.equal(res.signal, 'SIGUSR1');
  });

  it('the exit watcher records the status in the pod, for `status` after the pod is gone', async () => {
    const cases: Array<[string, string]> = [['exit 5', '5'], ['kill -9 $$', '137'], ['kill -USR1 $$', '138'], ['true', '0']];
    for (const [script, want] of cases) {
      const uuidFile = `${tmp.path}/uuid-${want}`;
      await runFly(data.path, [`--uuid-file-save=${uuidFile}`, image, '--exec=/bin/sh', '--', '-c', script]);
      const st = spawnSync(SKIFF_BIN, ['--dir', data.path, 'status', `--uuid-file=${uuidFile}`], { encoding: 'utf8' });
      assert.equal(st.status, 0, st.stderr);
      assert.match(st.stdout, new RegExp(`^app-exit=${want}$`, 'm'), `${script}: ${st.stdout}`);
      assert.match(st.stdout, /^state=exited$/m);
    }
  });

  it('a command missing in the image exits 127 with one line', async () => {
    const res = await runFly(data.path, [image, '--exec=/no/such/command']);
    assert.equal(res.code, 127, res.stderr);
    assert.match(oneLine(res), /\/no\/such\/command not found in the image/);
  });

  // A bare --exec name (rkt `--exec id`) is looked up in the app's PATH inside its rootfs; the
  // pod manifest schema allows it (commandLine), image manifests keep appc's absolute exec.
  it('a bare command name is looked up on PATH: missing → 127, found → runs', async () => {
    const onPath = await runFly(data.path, [image, '--exec=no-such-command']);
    assert.equal(onPath.code, 127, onPath.stderr);
    assert.match(oneLine(onPath), /no-such-command not found in the image.*PATH=/);
    const found = await runFly(data.path, [image, '--exec=echo', '--', 'found']);
    assert.equal(found.code, 0, found.stderr);
    assert.equal(found.stdout, 'found\n');
  });

  it('a command that is not executable exits 126 with one line', async () => {
    const file = await runFly(data.path, [image, '--exec=/etc/not-exec']);
    assert.equal(file.code, 126, file.stderr);
    assert.match(oneLine(file), /\/etc\/not-exec.*cannot be executed/);
    const dir = await runFly(data.path, [image, '--exec=/opt/dir']);
    assert.equal(dir.code, 126, dir.stderr);
    oneLine(dir);
  });

  it('a bad flag fails before any pod exists, with one `skiff:` line', async () => {
    const before = podDirs(data.path);
    for (const words of [['--no-such-pod-flag', image], [image, '--no-such-app-flag'], ['--volume=broken', image]]) {
      const res = await runFly(data.path, words);
      assert.ok(res.code === 1 || res.code === 125, `${words.join(' ')}: exit ${res.code}`);
      oneLine(res, /^skiff: /);
      assert.equal(res.stdout, '');
    }
    assert.deepEqual(podDirs(data.path), before, 'no pod was created');
  });

  it("the app's stdout is skiff's stdout, byte for byte", async () => {
    const script = 'printf "line 1\\n"; printf "line 2 \\342\\234\\223\\n"; printf "to stderr\\n" >&2';
    const res = await runFly(data.path, [image, '--exec=/bin/sh', '--', '-c', script]);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout, 'line 1\nline 2 ✓\n');
    assert.equal(res.stderr, 'to stderr\n');
  });

  it('stdin reaches the app (through the lock hand-off)', async () => {
    const res = await runFly(data.path, [image, '--exec=/bin/cat'], { input: 'hi\n' });
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout, 'hi\n');
    // A larger input than a pipe buffer, read to the end.
    const big = 'x'.repeat(200_000) + '\n';
    const wc = await runFly(data.path, [image, '--exec=/bin/wc', '--', '-c'], { input: big });
    assert.equal(wc.code, 0, wc.stderr);
    assert.equal(wc.stdout.trim(), String(big.length));
  });

  it('stdin from a shell pipeline (a pipe, not the socket Node gives a child) reaches the app', () => {
    const script = 'printf "hi\\n" | "$0" --dir "$1" --insecure-options=image run --stage1-name=fly "$2" --exec=/bin/cat';
    const res = spawnSync('sh', ['-c', script, SKIFF_BIN, data.path, image], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(res.status, 0, res.stderr);
    assert.equal(res.stdout, 'hi\n');
  });

  it('with stdin closed (/dev/null) the app reads EOF', async () => {
    const res = await runFly(data.path, [image, '--exec=/bin/cat']);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout, '');
  });
});
