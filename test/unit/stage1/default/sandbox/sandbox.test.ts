import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchInBackground, parseStatStartTime, readStartTime, sandboxAlive, sandboxCommand } from '../../../../../stage1/default/sandbox/sandbox.ts';
import { boundingSetFromStatus, capabilitiesFromMask } from '../../../../../stage1/default/host-limits.ts';

const tools = { unshare: '/usr/bin/unshare', setsid: '/usr/bin/setsid', catatonit: '/usr/bin/catatonit', ip: '/usr/sbin/ip' };
const files = { readyFile: '/p/sandbox.ready', errorFile: '/p/sandbox.err' };

test('the sandbox command: new PID/IPC/UTS namespaces, a network one unless the host network is used', () => {
  const own = sandboxCommand({ hostname: 'h', ownNetwork: true, tools, ...files });
  assert.deepEqual(own.slice(0, 8), ['/usr/bin/unshare', '--pid', '--fork', '--ipc', '--uts', '--net', '--kill-child', '--']);
  assert.deepEqual(own.slice(-5), ['skiff-sandbox', 'h', '/usr/sbin/ip', '/usr/bin/catatonit', '/p/sandbox.ready']);
  const host = sandboxCommand({ hostname: 'h', ownNetwork: false, tools, ...files });
  assert.ok(!host.includes('--net'));
  assert.deepEqual(host.slice(-4), ['h', '', '/usr/bin/catatonit', '/p/sandbox.ready'], 'no loopback to bring up');
});

test('the sandbox script sets the hostname, brings lo up and execs catatonit, with its arguments as data', () => {
  const argv = sandboxCommand({ hostname: 'h; rm -rf /', ownNetwork: true, tools, ...files });
  const script = argv[argv.indexOf('-c') + 1]!;
  // Run it with stand-ins: where the hostname goes, what runs for ip and catatonit.
  const fake = `${script.replace('/proc/sys/kernel/hostname', '"$HOSTNAME_FILE"')}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-sandbox-'));
  try {
    const hostnameFile = path.join(dir, 'hostname');
    const ready = path.join(dir, 'ready');
    const res = spawnSync('/bin/sh', ['-c', fake, 'sb', 'h; rm -rf /', 'echo', 'echo', ready], {
      encoding: 'utf8',
      env: { HOSTNAME_FILE: hostnameFile, PATH: process.env.PATH },
    });
    assert.equal(res.status, 0, res.stderr);
    assert.equal(fs.readFileSync(hostnameFile, 'utf8'), 'h; rm -rf /');
    assert.equal(res.stdout, 'link set lo up\n', 'ip link set lo up, then catatonit -P (stdout on /dev/null)');
    assert.equal(fs.readFileSync(ready, 'utf8'), '', 'the ready file, made before catatonit');
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

test('the sandbox is launched in a session of its own, in the background of a shell that prints its pid and exits at once', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-sandbox-'));
  try {
    const err = path.join(dir, 'err');
    const out = path.join(dir, 'out');
    const argv = launchInBackground('/usr/bin/setsid', ['/bin/sh', '-c', 'echo "child $1" > "$2"; echo oops >&2; sleep 1', 'x', 'a b', out], err);
    const started = Date.now();
    const res = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
    assert.equal(res.status, 0, res.stderr);
    assert.ok(Date.now() - started < 900, 'no pipe of ours keeps spawnSync waiting for the child');
    const pid = Number(res.stdout.trim());
    assert.ok(Number.isSafeInteger(pid) && pid > 0, res.stdout);
    // The shell may exit before its background child has exec'd setsid: look until it has run.
    for (let i = 0; i < 100 && !(fs.existsSync(out) && fs.readFileSync(err, 'utf8') !== ''); i++) spawnSync('sleep', ['0.02']);
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const session = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[3]);
    assert.equal(session, pid, 'setsid: the child leads its own session');
    assert.equal(fs.readFileSync(out, 'utf8'), 'child a b\n', 'arguments pass through as data');
    assert.equal(fs.readFileSync(err, 'utf8'), 'oops\n', 'stderr goes to the error file');
    process.kill(pid, 'SIGKILL');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
