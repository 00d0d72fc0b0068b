// The seccomp filter cache (stage1/default/runtime/seccomp-cache.ts): a miss records the key
// and asks crun's export through a poststart hook, a hit hands the filter back in crun's
// annotation, and only an exact key in a directory closed to others counts.
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { seccompCacheFilterPath, seccompCacheKeyPath } from '../../../../../common/layout.ts';
import type { OciRuntimeSpec } from '../../../../../stage1/default/oci-spec/oci-runtime-types.ts';
import { nameHash } from '../../../../../common/name-hash.ts';
import { applySeccompCache, openSeccompCache, SECCOMP_BPF_ANNOTATION, type SeccompCache } from '../../../../../stage1/default/runtime/seccomp-cache.ts';

function spec(errnoRet = 1): OciRuntimeSpec {
  return {
    ociVersion: '1.0.2',
    process: { args: ['/bin/true'], cwd: '/', user: { uid: 0, gid: 0 } } as OciRuntimeSpec['process'],
    root: { path: '/r' },
    mounts: [],
    linux: { namespaces: [], seccomp: { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet }] } },
  } as OciRuntimeSpec;
}

describe('seccomp filter cache', () => {
  let dir: string;
  let cache: SeccompCache;
  beforeEach(() => {
    dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-seccomp-cache-')), 'seccomp');
    cache = { dir, identity: 'crun:1\nlibseccomp:1\n6.1\nx64' };
    fs.mkdirSync(dir, { mode: 0o700 });
  });
  afterEach(() => fs.rmSync(path.dirname(dir), { recursive: true, force: true }));

  const nameOf = (s: OciRuntimeSpec): string => nameHash(`${cache.identity}\n${JSON.stringify(s.linux.seccomp)}`);

  test('a miss writes the key and adds a hook that copies crun’s export in; the hook then makes it a hit', () => {
    const s = spec();
    assert.equal(applySeccompCache(cache, s, '/pod/runtime/app/seccomp.bpf'), false);
    const name = nameOf(s);
    assert.equal(fs.readFileSync(seccompCacheKeyPath(dir, name), 'utf8'), `${cache.identity}\n${JSON.stringify(s.linux.seccomp)}`);
    const hook = s.hooks?.poststart?.[0];
    assert.ok(hook);
    assert.equal(s.annotations, undefined);
    // Run the hook as crun would, against a fake export.
    const exported = path.join(path.dirname(dir), 'export.bpf');
    fs.writeFileSync(exported, Buffer.alloc(64, 7));
    const { spawnSync } = process.getBuiltinModule('node:child_process');
    const args = [...(hook.args ?? []).slice(1, -2), exported, seccompCacheFilterPath(dir, name)];
    assert.equal(spawnSync(hook.path, args).status, 0);
    assert.equal(fs.statSync(seccompCacheFilterPath(dir, name)).mode & 0o777, 0o600);
    const again = spec();
    assert.equal(applySeccompCache(cache, again, '/pod/runtime/app/seccomp.bpf'), true);
    assert.equal(again.annotations?.[SECCOMP_BPF_ANNOTATION], Buffer.alloc(64, 7).toString('base64'));
    assert.equal(again.hooks, undefined);
    assert.ok(again.linux.seccomp, 'the section stays: crun takes its flags from it');
  });

  test('another profile, another runtime identity or a key that differs is a miss', () => {
    const s = spec();
    applySeccompCache(cache, s, '/x');
    fs.writeFileSync(seccompCacheFilterPath(dir, nameOf(s)), Buffer.alloc(16), { mode: 0o600 });
    assert.equal(applySeccompCache(cache, spec(2), '/x'), false);
    assert.equal(applySeccompCache({ ...cache, identity: 'crun:2' }, spec(), '/x'), false);
    // A key file that does not hold the exact key (a hash collision, or tampering) is no hit.
    fs.writeFileSync(seccompCacheKeyPath(dir, nameOf(s)), 'something else', { mode: 0o600 });
    assert.equal(applySeccompCache(cache, spec(), '/x'), false);
  });

  test('a filter others could write, or one that is no whole number of BPF instructions, is not used', () => {
    const s = spec();
    applySeccompCache(cache, s, '/x');
    const filter = seccompCacheFilterPath(dir, nameOf(s));
    fs.writeFileSync(filter, Buffer.alloc(16), { mode: 0o644 });
    fs.chmodSync(filter, 0o644);
    assert.equal(applySeccompCache(cache, spec(), '/x'), false);
    fs.chmodSync(filter, 0o600);
    assert.equal(applySeccompCache(cache, spec(), '/x'), true);
    fs.writeFileSync(filter, Buffer.alloc(13));
    assert.equal(applySeccompCache(cache, spec(), '/x'), false);
  });

  test('no seccomp section: nothing to do', () => {
    const s = spec();
    delete s.linux.seccomp;
    assert.equal(applySeccompCache(cache, s, '/x'), false);
    assert.equal(s.hooks, undefined);
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  test('openSeccompCache refuses a directory others can enter', () => {
    const open = path.join(path.dirname(dir), 'open');
    fs.mkdirSync(open, { mode: 0o755 });
    fs.chmodSync(open, 0o755);
    assert.equal(openSeccompCache('/bin/sh', open), undefined);
    const own = path.join(path.dirname(dir), 'own');
    const c = openSeccompCache('/bin/sh', own);
    if (c) assert.equal(fs.statSync(own).mode & 0o777, 0o700); // undefined only without libseccomp
  });
});
