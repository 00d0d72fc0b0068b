import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { podRuntimePath } from '../../../../../common/layout.ts';
import { maskingWrapper, readRuntimeRecord, runtimeArgv, writeRuntimeRecord } from '../../../../../stage1/default/runtime/runtime-record.ts';
import type { RuntimeRecord } from '../../../../../stage1/default/runtime/runtime-record.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-runtime-record-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('a record round-trips, wrapper included, and leaves no temp file behind', () => {
  const pod = fs.mkdtempSync(path.join(tmp, 'pod-'));
  const wrapper = maskingWrapper({ unshare: '/usr/bin/unshare', mount: '/usr/bin/mount' }, '/sys/fs/cgroup/unified/cgroup.controllers');
  const rec: RuntimeRecord = { name: 'crun', path: '/usr/bin/crun', wrapper, containers: [{ app: 'web', id: 'web' }] };
  writeRuntimeRecord(pod, rec);
  assert.deepEqual(readRuntimeRecord(pod), rec);
  assert.deepEqual(fs.readdirSync(pod), ['runtime.json']);
  assert.deepEqual(runtimeArgv(rec, pod), [...wrapper, '/usr/bin/crun', '--root', path.join(pod, 'runtime')]);
  assert.deepEqual(wrapper.slice(0, 5), ['/usr/bin/unshare', '--mount', '--', '/bin/sh', '-c']);
});

test('no record: missing, or empty (written volatile and lost in a power cut); garbage is an error', () => {
  const pod = fs.mkdtempSync(path.join(tmp, 'pod-'));
  assert.equal(readRuntimeRecord(pod), undefined);
  fs.writeFileSync(podRuntimePath(pod), '');
  assert.equal(readRuntimeRecord(pod), undefined);
  fs.writeFileSync(podRuntimePath(pod), '{"name":"crun","path":"/usr/bin/crun","wrapper":[1],"containers":[]}');
  assert.throws(() => readRuntimeRecord(pod), /is not a runtime record/);
});
