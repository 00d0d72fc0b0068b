// The app's environment (docs/commands.md, rkt's rule): inherited (--inherit-env, never
// overriding the image's) < image < --set-env-file < --set-env < per-app --environment, plus
// AC_APP_NAME; nothing of skiff's own environment leaks in without --inherit-env.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../../helpers/cli.ts';
import type { TempDir } from '../../helpers/cli.ts';
import { ImageMaker, podDataDir, runFly, skipUnlessPods } from './pod-helpers.ts';

const skip = skipUnlessPods();

let tmp: TempDir;
let data: TempDir;
let image = '';
let envFile = '';

/** The app's environment, as `env` printed it (values have no newlines here). */
function parseEnv(stdout: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of stdout.split('\n').filter(Boolean)) out[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
  return out;
}

describe('fly run: environment precedence', { skip }, () => {
  before(async () => {
    tmp = tempDir('skiff-env-');
    data = podDataDir();
    image = await new ImageMaker(tmp.path).aci({
      name: 'example.com/env-app',
      exec: ['/usr/bin/env'],
      env: { IMG: 'image', FILE: 'image', SET: 'image', APP: 'image', SHARED: 'image' },
    });
    envFile = path.join(tmp.path, 'env-file');
    fs.writeFileSync(envFile, '# a comment\nFILE=file\nSET=file\nAPP=file\nFROM_FILE=file\n');
  });
  after(() => {
    data?.cleanup();
    tmp?.cleanup();
  });

  it('image < --set-env-file < --set-env < --environment, with AC_APP_NAME', async () => {
    const res = await runFly(data.path, [
      `--set-env-file=${envFile}`, '--set-env=SET=set', '--set-env=APP=set', '--set-env=FROM_SET=set',
      image, '--environment=APP=app', '--environment=FROM_APP=app',
    ]);
    assert.equal(res.code, 0, res.stderr);
    const env = parseEnv(res.stdout);
    assert.equal(env.IMG, 'image');
    assert.equal(env.FILE, 'file');
    assert.equal(env.SET, 'set');
    assert.equal(env.APP, 'app');
    assert.equal(env.FROM_FILE, 'file');
    assert.equal(env.FROM_SET, 'set');
    assert.equal(env.FROM_APP, 'app');
    assert.equal(env.AC_APP_NAME, 'env-app');
    assert.ok(env.PATH, 'a default PATH');
  });

  it("--inherit-env adds skiff's environment but never overrides the image's", async () => {
    const hostEnv = { SHARED: 'host', ONLY_ON_HOST: 'host', SET: 'host' };
    const res = await runFly(data.path, ['--inherit-env', '--set-env=SET=set', image], { env: hostEnv });
    assert.equal(res.code, 0, res.stderr);
    const env = parseEnv(res.stdout);
    assert.equal(env.ONLY_ON_HOST, 'host');
    assert.equal(env.SHARED, 'image');
    assert.equal(env.SET, 'set');
    assert.equal(env.SKIFF_STDIN_FD, undefined, "the launcher's own variable is not passed on");
    assert.equal(env.SKIFF_LOCK_FD, undefined, "stage1's interface variable is not the app's");
  });

  it("without --inherit-env nothing of skiff's environment reaches the app", async () => {
    const res = await runFly(data.path, [image], { env: { ONLY_ON_HOST: 'host' } });
    assert.equal(res.code, 0, res.stderr);
    const env = parseEnv(res.stdout);
    assert.equal(env.ONLY_ON_HOST, undefined);
    assert.deepEqual(Object.keys(env).sort(), ['AC_APP_NAME', 'APP', 'FILE', 'HOME', 'IMG', 'PATH', 'SET', 'SHARED']);
    assert.equal(env.HOME, '/root', "HOME from the user's passwd entry");
  });

  it('an unreadable --set-env-file fails before any pod exists', async () => {
    const res = await runFly(data.path, [`--set-env-file=${path.join(tmp.path, 'missing')}`, image]);
    assert.ok(res.code === 1 || res.code === 125, `exit ${res.code}`);
    assert.match(res.stderr, /^skiff: .*set-env-file/m);
  });
});
