import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchInBackground, parseStatStartTime, readStartTime, sandboxAlive, sandboxCommand } from '../../../../../stage1/default/sandbox/sandbox.ts';
import { boundingSetFromStatus, capabilitiesFromMask } from '../../../../../stage1/default/host-limits.ts';

const tools = { unshare: '/usr/bin/unshare', catatonit: '/usr/bin/catatonit', ip: '/usr/sbin/ip' };

test('the sandbox command: new PID/IPC/UTS namespaces, a network one unless the host network is used', () => {
  const own = sandboxCommand({ hostname: 'h', ownNetwork: true, tools });
  assert.deepEqual(own.slice(0, 8), ['/usr/bin/unshare', '--pid', '--fork', '--ipc', '--uts', '--net', '--kill-child', '--']);
  assert.deepEqual(own.slice(-4), ['skiff-sandbox', 'h', '/usr/sbin/ip', '/usr/bin/catatonit']);
  const host = sandboxCommand({ hostname: 'h', ownNetwork: false, tools });
  assert.ok(!host.includes('--net'));
  assert.deepEqual(host.slice(-3), ['h', '', '/usr/bin/catatonit'], 'no loopback to bring up');
});

test('the sandbox script sets the hostname, brings lo up and execs catatonit, with its arguments as data', () => {
  const argv = sandboxCommand({ hostname: 'h; rm -rf /', ownNetwork: true, tools });
  const script = argv[argv.indexOf('-c') + 1]!;
  // Run it with stand-ins: where the hostname goes, what runs for ip and catatonit.
  const fake = `${script.replace('/proc/sys/kernel/hostname', '"$HOSTNAME_FILE"')}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-sandbox-'));
  try {
    const hostnameFile = path.join(dir, 'hostname');
    const res = spawnSync('/bin/sh', ['-c', fake, 'sb', 'h; rm -rf /', 'echo', 'echo'], {
      encoding: 'utf8',
      env: { HOSTNAME_FILE: hostnameFile, PATH: process.env.PATH },
    });
    assert.equal(res.status, 0, res.stderr);
    assert.equal(fs.readFileSync(hostnameFile, 'utf8'), 'h; rm -rf /');
    assert.equal(res.stdout, 'link set lo up\nready\n', 'ip link set lo up, ready, then catatonit -P (stdout on /dev/null)');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('start time: field 22 of /proc/PID/stat, even when the command name has spaces and parentheses', () => {
  const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
  assert.equal(parseStatStartTime(`123 (a b) c)) ${fields.join(' ')}`), 22);
  assert.equal(parseStatStartTime('garbage'), undefined);
  const mine = readStartTime(process.pid);
  assert.ok(mine !== undefined && mine > 0);
  assert.equal(sandboxAlive({ pid: process.pid, startTime: mine }), true);
  assert.equal(sandboxAlive({ pid: process.pid, startTime: mine + 1 }), false, 'a reused pid is not the sandbox');
});

test('host limits: the bounding set from CapBnd', () => {
  assert.deepEqual(capabilitiesFromMask('0000000000000003'), ['CAP_CHOWN', 'CAP_DAC_OVERRIDE']);
  const all = capabilitiesFromMask('000001ffffffffff');
  const noResource = capabilitiesFromMask('000001fffeffffff');
  assert.ok(all.includes('CAP_SYS_RESOURCE'));
  assert.deepEqual(all.filter((c) => !noResource.includes(c)), ['CAP_SYS_RESOURCE']);
  assert.deepEqual(boundingSetFromStatus('Name:\tx\nCapBnd:\t0000000000000001\n'), ['CAP_CHOWN']);
  assert.equal(boundingSetFromStatus('Name:\tx\n'), undefined);
});

test('the sandbox is launched in the background of a shell that prints its pid and exits', () => {
  const argv = launchInBackground(['/bin/sh', '-c', 'echo "child $1"; sleep 0.2', 'x', 'a b']);
  const res = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
  assert.equal(res.status, 0, res.stderr);
  const [pid, said] = res.stdout.trim().split('\n');
  assert.match(pid!, /^\d+$/, 'line 1: the pid of the backgrounded command');
  assert.equal(said, 'child a b', 'arguments pass through as data');
});
