import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSilentLogger } from '../../../../common/log.ts';
import { podHostsPath, podResolvConfPath } from '../../../../common/layout.ts';
import { installDnsFiles } from '../../../../stage1/common/dns-files.ts';

function pod(t: { after: (fn: () => void) => void }, stage0Files: boolean) {
  const podRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-dns-'));
  t.after(() => fs.rmSync(podRoot, { recursive: true, force: true }));
  const appRoot = path.join(podRoot, 'app');
  fs.mkdirSync(path.join(appRoot, 'etc'), { recursive: true });
  fs.mkdirSync(path.dirname(podResolvConfPath(podRoot)), { recursive: true });
  if (stage0Files) {
    fs.writeFileSync(podResolvConfPath(podRoot), 'nameserver 192.0.2.53\n');
    fs.writeFileSync(podHostsPath(podRoot), '127.0.0.1\tlocalhost web\n');
  }
  return { podRoot, appRoot };
}

const read = (appRoot: string, p: string): string | undefined =>
  fs.existsSync(path.join(appRoot, p)) ? fs.readFileSync(path.join(appRoot, p), 'utf8') : undefined;

test('stage0 and default modes copy the files stage0 wrote, over a symlink', async (t) => {
  const { podRoot, appRoot } = pod(t, true);
  fs.symlinkSync('/run/systemd/resolve/stub-resolv.conf', path.join(appRoot, 'etc/resolv.conf'));
  installDnsFiles(podRoot, appRoot, { resolv: 'stage0', hosts: 'default' }, await createSilentLogger());
  assert.equal(read(appRoot, 'etc/resolv.conf'), 'nameserver 192.0.2.53\n');
  assert.equal(fs.lstatSync(path.join(appRoot, 'etc/resolv.conf')).isSymbolicLink(), false);
  assert.equal(read(appRoot, 'etc/hosts'), '127.0.0.1\tlocalhost web\n');
});

test('none leaves resolv.conf alone; default hosts gives an image without one a localhost file', async (t) => {
  const { podRoot, appRoot } = pod(t, false);
  fs.writeFileSync(path.join(appRoot, 'etc/resolv.conf'), 'image\n');
  installDnsFiles(podRoot, appRoot, { resolv: 'none', hosts: 'default' }, await createSilentLogger());
  assert.equal(read(appRoot, 'etc/resolv.conf'), 'image\n');
  assert.match(read(appRoot, 'etc/hosts') ?? '', /^127\.0\.0\.1\tlocalhost/);
});

test('default keeps the image\'s own hosts; stage0 without a file writes nothing', async (t) => {
  const { podRoot, appRoot } = pod(t, false);
  fs.writeFileSync(path.join(appRoot, 'etc/hosts'), 'image\n');
  installDnsFiles(podRoot, appRoot, { resolv: 'default', hosts: 'default' }, await createSilentLogger());
  assert.equal(read(appRoot, 'etc/hosts'), 'image\n');
  assert.equal(read(appRoot, 'etc/resolv.conf'), undefined);
  fs.rmSync(path.join(appRoot, 'etc/hosts'));
  installDnsFiles(podRoot, appRoot, { resolv: 'stage0', hosts: 'stage0' }, await createSilentLogger());
  assert.equal(read(appRoot, 'etc/hosts'), undefined);
});

test('host mode copies the host files', async (t) => {
  const { podRoot, appRoot } = pod(t, true);
  installDnsFiles(podRoot, appRoot, { resolv: 'host', hosts: 'host' }, await createSilentLogger());
  assert.equal(read(appRoot, 'etc/hosts'), fs.readFileSync('/etc/hosts', 'utf8'));
  if (fs.existsSync('/etc/resolv.conf')) assert.equal(read(appRoot, 'etc/resolv.conf'), fs.readFileSync('/etc/resolv.conf', 'utf8'));
});
