import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitApps } from '../../../../stage0/pod/split-apps.ts';
import { SkiffError } from '../../../../common/errors.ts';

const usage = (re: RegExp) => (err: unknown) => err instanceof SkiffError && err.code === 'USAGE' && re.test(err.message);

test('one image with no options', () => {
  assert.deepEqual(splitApps(['example.com/app']), {
    podArgs: [],
    apps: [{ image: 'example.com/app', appArgs: [], execArgs: undefined }],
  });
});

test('pod options before the image, app options after, both forms normalized', () => {
  const out = splitApps([
    '--net=host', '--dns', '8.8.8.8', '--inherit-env', '--set-env', 'A=1',
    'example.com/app', '--user', 'nobody', '--memory=128M', '--readonly-rootfs',
  ]);
  assert.deepEqual(out.podArgs, ['--net=host', '--dns=8.8.8.8', '--inherit-env=true', '--set-env=A=1']);
  assert.deepEqual(out.apps, [
    { image: 'example.com/app', appArgs: ['--user=nobody', '--memory=128M', '--readonly-rootfs=true'], execArgs: undefined },
  ]);
});

test('"--" starts app arguments, which may hold anything until "---"', () => {
  const out = splitApps([
    'example.com/worker', '--exec', '/bin/ov', '--', '--loglevel', 'verbose', '--', '', '-x',
    '---', 'example.com/syncer', '--', '--interval', '30s',
  ]);
  assert.deepEqual(out.apps, [
    { image: 'example.com/worker', appArgs: ['--exec=/bin/ov'], execArgs: ['--loglevel', 'verbose', '--', '', '-x'] },
    { image: 'example.com/syncer', appArgs: [], execArgs: ['--interval', '30s'] },
  ]);
});

test('a bare "--" gives an empty argument list; a second image needs no "---"', () => {
  const out = splitApps(['a', '--', '---', 'b', 'c', '--name=x', '---']);
  assert.deepEqual(out.apps, [
    { image: 'a', appArgs: [], execArgs: [] },
    { image: 'b', appArgs: [], execArgs: undefined },
    { image: 'c', appArgs: ['--name=x'], execArgs: undefined },
  ]);
});

test('--net takes a value only with "=" (rkt NoOptDefVal), so the next word is the image', () => {
  const out = splitApps(['--net', 'example.com/app']);
  assert.deepEqual(out.podArgs, ['--net=default']);
  assert.equal(out.apps[0]?.image, 'example.com/app');
});

test('bool options never swallow the next word, except --readonly-rootfs true|false (rkt)', () => {
  assert.deepEqual(splitApps(['--interactive', 'true']).apps.map((a) => a.image), ['true']);
  const out = splitApps(['img', '--readonly-rootfs', 'false', 'img2']);
  assert.deepEqual(out.apps.map((a) => [a.image, a.appArgs]), [['img', ['--readonly-rootfs=false']], ['img2', []]]);
  assert.throws(() => splitApps(['--no-overlay=maybe', 'img']), usage(/--no-overlay takes true or false/));
});

test('values may start with a dash, e.g. a negative OOM score', () => {
  assert.deepEqual(splitApps(['img', '--oom-score-adj', '-500']).apps[0]?.appArgs, ['--oom-score-adj=-500']);
});

test('global options are accepted anywhere outside app arguments and kept with the pod options', () => {
  const out = splitApps(['--debug', '--dir', '/tmp/d', 'img', '--insecure-options=image', '-h']);
  assert.deepEqual(out.podArgs, ['--debug=true', '--dir=/tmp/d', '--insecure-options=image', '--help=true']);
});

test('unknown options are usage errors naming them', () => {
  assert.throws(() => splitApps(['--bogus', 'img']), usage(/unknown option --bogus/));
  assert.throws(() => splitApps(['-x', 'img']), usage(/unknown option -x/));
  assert.throws(() => splitApps(['img', '--bogus=1']), usage(/unknown app option --bogus=1 after image "img"/));
  assert.throws(() => splitApps(['img', '-']), usage(/unknown app option -/));
});

test('options in the wrong place', () => {
  assert.throws(() => splitApps(['--exec=/bin/sh', 'img']), usage(/--exec is an app option and must follow an image/));
  assert.throws(() => splitApps(['img', '--net=host']), usage(/--net is a pod option: put it before the first image/));
  assert.throws(() => splitApps(['a', '---', '--user=1', 'b']), usage(/--user is an app option/));
});

test('misplaced separators', () => {
  assert.throws(() => splitApps(['--', 'x']), usage(/"--" must follow an image/));
  assert.throws(() => splitApps(['---', 'img']), usage(/"---" separates apps/));
  assert.throws(() => splitApps(['a', '--', 'x', '---', '--', 'y']), usage(/"--" must follow an image/));
});

test('a value option at the end or before a separator needs its value', () => {
  assert.throws(() => splitApps(['img', '--exec']), usage(/--exec needs a value/));
  assert.throws(() => splitApps(['img', '--user', '--', 'x']), usage(/--user needs a value/));
  assert.throws(() => splitApps(['--hostname']), usage(/--hostname needs a value/));
});

test('images are required unless --pod-manifest names them, and not both', () => {
  assert.throws(() => splitApps([]), usage(/no image given/));
  assert.throws(() => splitApps(['--net=host', '']), usage(/no image given/));
  assert.deepEqual(splitApps(['--pod-manifest', '/p.json']), { podArgs: ['--pod-manifest=/p.json'], apps: [] });
  assert.throws(() => splitApps(['--pod-manifest=/p.json', 'img']), usage(/either --pod-manifest or images/));
  assert.deepEqual(splitApps(['--help']).apps, []);
});

test('empty words outside app arguments are skipped (unset shell variables)', () => {
  assert.deepEqual(splitApps(['', 'img', '']).apps, [{ image: 'img', appArgs: [], execArgs: undefined }]);
});
