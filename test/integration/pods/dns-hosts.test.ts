// DNS and hosts files with the fly stage1: stage0 writes skiff-resolv.conf / skiff-hosts from
// --dns, --dns-search and --hosts-entry, and stage1 puts them at the app's /etc/resolv.conf and
// /etc/hosts; --dns=host copies the host's resolv.conf (fly shares the host's network).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { tempDir } from '../../helpers/cli.ts';
import type { TempDir } from '../../helpers/cli.ts';
import { ImageMaker, podDataDir, runFly, skipUnlessPods } from './pod-helpers.ts';

const skip = skipUnlessPods();

let tmp: TempDir;
let data: TempDir;
let image = '';

const CAT = (file: string): string[] => ['--exec=/bin/cat', '--', file];

/** Non-comment, non-empty lines. */
const meaningful = (text: string): string[] => text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));

describe('fly run: DNS and hosts', { skip }, () => {
  before(async () => {
    tmp = tempDir('skiff-dns-');
    data = podDataDir();
    image = await new ImageMaker(tmp.path).aci({
      name: 'example.com/dns',
      extraFiles: { '/etc/resolv.conf': 'nameserver 9.9.9.9\n', '/etc/hosts': '127.0.0.1 from-the-image\n' },
    });
  });
  after(() => {
    data?.cleanup();
    tmp?.cleanup();
  });

  it('--dns and --dns-search write the app’s /etc/resolv.conf', async () => {
    const res = await runFly(data.path, ['--dns=1.2.3.4', '--dns=5.6.7.8', '--dns-search=example.com', image, ...CAT('/etc/resolv.conf')]);
    assert.equal(res.code, 0, res.stderr);
    const lines = meaningful(res.stdout);
    assert.ok(lines.includes('nameserver 1.2.3.4'), res.stdout);
    assert.ok(lines.includes('nameserver 5.6.7.8'), res.stdout);
    assert.ok(lines.indexOf('nameserver 1.2.3.4') < lines.indexOf('nameserver 5.6.7.8'), 'in the order given');
    assert.ok(lines.some((l) => /^search\s+example\.com$/.test(l)), res.stdout);
    assert.ok(!lines.includes('nameserver 9.9.9.9'), "the image's file is replaced");
  });

  it('--hosts-entry adds to the app’s /etc/hosts, with localhost kept', async () => {
    const res = await runFly(data.path, ['--hosts-entry=10.0.0.1=db', '--hosts-entry=10.0.0.2=cache', image, ...CAT('/etc/hosts')]);
    assert.equal(res.code, 0, res.stderr);
    const lines = meaningful(res.stdout).map((l) => l.split(/\s+/));
    assert.ok(lines.some((f) => f[0] === '10.0.0.1' && f.includes('db')), res.stdout);
    assert.ok(lines.some((f) => f[0] === '10.0.0.2' && f.includes('cache')), res.stdout);
    assert.ok(lines.some((f) => f[0] === '127.0.0.1' && f.includes('localhost')), res.stdout);
  });

  it("--dns=host gives the app the host's resolv.conf", async () => {
    const res = await runFly(data.path, ['--dns=host', image, ...CAT('/etc/resolv.conf')]);
    assert.equal(res.code, 0, res.stderr);
    const host = meaningful(fs.readFileSync('/etc/resolv.conf', 'utf8'));
    // A loopback resolver (systemd-resolved's 127.0.0.53) may be left out with a warning; the rest is the host's.
    const expected = host.filter((l) => !/^nameserver\s+(127\.|::1)/.test(l));
    for (const l of expected) assert.ok(meaningful(res.stdout).includes(l), `missing ${JSON.stringify(l)} in:\n${res.stdout}`);
  });

  it("without --dns the image's own resolv.conf is left alone", async () => {
    const res = await runFly(data.path, [image, ...CAT('/etc/resolv.conf')]);
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(meaningful(res.stdout), ['nameserver 9.9.9.9']);
  });
});
