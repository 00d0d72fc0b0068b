import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileStamp, readOwnedFile } from '../../../common/owned-file.ts';

test('readOwnedFile: a file of ours closed to others, whole or its first bytes; nothing else', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-owned-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'f');
  fs.writeFileSync(file, 'hello world', { mode: 0o600 });
  assert.equal(readOwnedFile(file, 0o022)?.toString(), 'hello world');
  assert.equal(readOwnedFile(file, 0o022, 5)?.toString(), 'hello');
  assert.equal(readOwnedFile(file, 0o022, 100)?.toString(), 'hello world');
  fs.chmodSync(file, 0o620);
  assert.equal(readOwnedFile(file, 0o022), undefined, 'group-writable');
  fs.chmodSync(file, 0o600);
  fs.symlinkSync(file, path.join(dir, 'link'));
  assert.equal(readOwnedFile(path.join(dir, 'link'), 0o022), undefined, 'a symlink is not followed');
  assert.equal(readOwnedFile(dir, 0o022), undefined, 'a directory');
  assert.equal(readOwnedFile(path.join(dir, 'missing'), 0o022), undefined);
  const st = fs.statSync(file, { bigint: true });
  assert.equal(fileStamp(st), `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`);
});
