// The app's user and group with the fly stage1: names are resolved in the image's own
// /etc/passwd and /etc/group (never the host's), numbers are taken as they are, an unknown
// name is a clear one-line error, and the image's user is the default.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tempDir } from '../../helpers/cli.ts';
import type { TempDir } from '../../helpers/cli.ts';
import { ImageMaker, oneLine, podDataDir, runFly, skipUnlessPods } from './pod-helpers.ts';

const skip = skipUnlessPods();

let tmp: TempDir;
let data: TempDir;
let image = '';
let asApp = '';

const ID = ['--exec=/bin/sh', '--', '-c', 'echo "$(id -u) $(id -g) $(id -G)"'];

describe('fly run: user and group', { skip }, () => {
  before(async () => {
    tmp = tempDir('skiff-user-');
    data = podDataDir();
    const maker = new ImageMaker(tmp.path);
    image = await maker.aci({ name: 'example.com/ids' });
    asApp = await maker.aci({ name: 'example.com/ids-app', user: 'app', group: 'app', exec: ['/bin/sh', '-c', 'id -u; id -g; echo $HOME'] });
  });
  after(() => {
    data?.cleanup();
    tmp?.cleanup();
  });

  it("--user=app is the image's app user (uid 1000); the image's explicit group 0 stays", async () => {
    const res = await runFly(data.path, [image, '--user=app', ...ID]);
    assert.equal(res.code, 0, res.stderr);
    // An explicit group is exactly that group (runc's rule, common/passwd.ts): no supplementary
    // groups from the member lists, so app's membership of media (1001) does not apply.
    assert.equal(res.stdout, '1000 0 0\n');
  });

  it('--user and --group by number need no passwd entry', async () => {
    const res = await runFly(data.path, [image, '--user=1234', '--group=1234', ...ID]);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout, '1234 1234 1234\n');
  });

  it('--group by name comes from the image', async () => {
    const res = await runFly(data.path, [image, '--user=app', '--group=media', ...ID]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /^1000 1001 /);
  });

  it("the image's own user and group are the default, with HOME from its passwd", async () => {
    const res = await runFly(data.path, [asApp]);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout, '1000\n1000\n/home/app\n');
  });

  it('an unknown user or group is a one-line error naming it', async () => {
    const user = await runFly(data.path, [image, '--user=nosuchuser', ...ID]);
    assert.equal(user.code, 125, user.stderr);
    assert.match(oneLine(user), /nosuchuser/);
    assert.equal(user.stdout, '');
    const group = await runFly(data.path, [image, '--group=nosuchgroup', ...ID]);
    assert.equal(group.code, 125, group.stderr);
    assert.match(oneLine(group), /nosuchgroup/);
  });
});
