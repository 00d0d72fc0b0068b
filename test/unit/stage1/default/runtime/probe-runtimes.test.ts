import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { SkiffError } from '../../../../../common/errors.ts';
import { parseRuntimeVersion, probeRuntimes } from '../../../../../stage1/default/runtime/probe-runtimes.ts';
import { selectRuntime } from '../../../../../stage1/default/runtime/select-runtime.ts';
import { createFakeHost } from '../../../../helpers/fake-host.ts';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../fixtures/stage1/default/cgroups');

const VERSIONS: Record<string, string> = {
  crun: 'crun version 1.8.1\ncommit: f8a096be060b22ccd3d5f3ebe44108517fbf6c30\nrundir: /run/crun\nspec: 1.0.0\n',
  runc: 'runc version 1.1.5+ds1\ncommit: 1.1.5+ds1-1+deb12u1\nspec: 1.0.2-dev\ngo: go1.19.8\nlibseccomp: 2.5.4\n',
  'crun-dev': 'crun version 1.20\n',
  runsc: 'runsc version release-20240101.0\nspec: 1.1.0-rc.1\n',
};

/** Two PATH dirs with executables (and a non-executable decoy), and a host that answers --version. */
function setup(t: { after: (fn: () => void) => void }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-probe-runtimes-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const bin = path.join(dir, 'bin');
  const sbin = path.join(dir, 'sbin');
  const opt = path.join(dir, 'opt');
  for (const d of [bin, sbin, opt]) fs.mkdirSync(d);
  const exe = (file: string, mode = 0o755): void => fs.writeFileSync(file, '#!/bin/sh\n', { mode });
  exe(path.join(bin, 'crun'));
  exe(path.join(bin, 'runc'), 0o644); // not executable: not a runtime
  exe(path.join(sbin, 'runc'));
  exe(path.join(opt, 'crun-dev'));
  exe(path.join(opt, 'broken'));
  const host = createFakeHost({
    runResult: (file) => {
      const out = VERSIONS[path.basename(file)];
      if (out === undefined) throw new SkiffError('TOOL_FAILED', `${file} --version failed`);
      return { code: 0, stdout: out, stderr: '' };
    },
  });
  return { dir, bin, sbin, opt, host, pathEnv: `${bin}:relative/dir:${sbin}` };
}

test('parseRuntimeVersion', () => {
  assert.deepEqual(parseRuntimeVersion(VERSIONS.crun!), { kind: 'crun', version: '1.8.1' });
  assert.deepEqual(parseRuntimeVersion(VERSIONS.runc!), { kind: 'runc', version: '1.1.5+ds1' });
  assert.deepEqual(parseRuntimeVersion(VERSIONS.runsc!), { kind: 'runsc', version: 'release-20240101.0' });
  assert.deepEqual(parseRuntimeVersion('usage: …'), { version: '' });
});

test('crun and runc on PATH (executables only), with their versions', (t) => {
  const { bin, sbin, host, pathEnv } = setup(t);
  assert.deepEqual(probeRuntimes(host, { pathEnv, fallbackDirs: [] }), [
    { name: 'crun', path: path.join(bin, 'crun'), version: '1.8.1' },
    { name: 'runc', path: path.join(sbin, 'runc'), version: '1.1.5+ds1' },
  ]);
  assert.deepEqual(host.calls.map((c) => (c.op === 'run' ? [path.basename(c.file), ...c.args] : [])), [['crun', '--version'], ['runc', '--version']]);
});

test('a requested path is probed too: named by what it says it is; a silent one by its file name', (t) => {
  const { opt, host, pathEnv } = setup(t);
  const found = probeRuntimes(host, { pathEnv, fallbackDirs: [], extra: [path.join(opt, 'crun-dev'), path.join(opt, 'broken'), '/nowhere/x'] });
  assert.deepEqual(found.slice(2), [
    { name: 'crun', path: path.join(opt, 'crun-dev'), version: '1.20' },
    { name: 'broken', path: path.join(opt, 'broken'), version: '' },
  ]);
});

test('the fallback dirs are searched after PATH', (t) => {
  const { sbin, host } = setup(t);
  const found = probeRuntimes(host, { pathEnv: '', fallbackDirs: [sbin] });
  assert.deepEqual(found.map((r) => r.name), ['runc']);
});

test('selectRuntime on this machine\'s layout: crun with the cgroup2 controllers masked, logged at debug with the reason', (t) => {
  const { dir, host: versions, pathEnv } = setup(t);
  const root = path.join(dir, 'cgroup');
  fs.mkdirSync(path.join(root, 'unified'), { recursive: true });
  fs.copyFileSync(path.join(FIXTURES, 'unified-cgroup.controllers'), path.join(root, 'unified', 'cgroup.controllers'));
  const mountinfo = fs.readFileSync(path.join(FIXTURES, 'mountinfo-hybrid'), 'utf8').replaceAll('/sys/fs/cgroup', root);
  const host = { run: versions.run, readProcFile: () => mountinfo };
  const lines: string[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
  const { runtime, cgroups } = selectRuntime({ host, log }, { cgroupRoot: root, pathEnv });
  assert.equal(runtime.name, 'crun');
  assert.equal(runtime.maskControllers, path.join(root, 'unified', 'cgroup.controllers'));
  assert.equal(cgroups.layout, 'hybrid');
  assert.equal(lines.length, 1);
  const rec = JSON.parse(lines[0]!) as { level: number; msg: string; runtime: string };
  assert.equal(rec.level, 20);
  assert.match(rec.msg, /^runtime: crun 1\.8\.1 \S+\/crun \(crun is preferred \(faster start, smaller monitor\); crun refuses hybrid cgroups with hugetlb enabled on the cgroup2 side, so it runs with \S+\/unified\/cgroup\.controllers masked in a mount namespace of its own\)$/);
});
