// What is derived from a file on every run, remembered by its stat stamp (store/stamp-cache.ts
// and hashFileRemembered): used only while the file is unchanged, never for a file changed in
// the last two seconds, and never from a record that someone else could have written.
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stampCachePath } from '../../../common/layout.ts';
import { hashFile, hashFileRemembered } from '../../../store/hash-file.ts';
import { fileStamp } from '../../../common/owned-file.ts';
import { recall, remember } from '../../../store/stamp-cache.ts';

const LATER = (): number => Date.now() + 10_000;

describe('stamp cache', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-stamp-cache-'));
    file = path.join(dir, 'stage1.aci');
    fs.writeFileSync(file, 'stage1 bytes');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('a value is recalled for the stamp it was remembered with, and only for it', () => {
    const st = fs.statSync(file, { bigint: true });
    remember(dir, 'k', st, 'v1', LATER());
    assert.equal(recall(dir, 'k', fileStamp(st)), 'v1');
    assert.equal(recall(dir, 'other', fileStamp(st)), undefined);
    fs.appendFileSync(file, 'more');
    assert.equal(recall(dir, 'k', fileStamp(fs.statSync(file, { bigint: true }))), undefined);
  });

  test('a file changed in the last two seconds is not remembered (its ctime tick may not be over)', () => {
    const st = fs.statSync(file, { bigint: true });
    remember(dir, 'k', st, 'v1');
    assert.equal(recall(dir, 'k', fileStamp(st)), undefined);
    assert.equal(fs.existsSync(stampCachePath(dir)), false);
  });

  test('a record others could write, or one that is not JSON, is ignored', () => {
    const st = fs.statSync(file, { bigint: true });
    remember(dir, 'k', st, 'v1', LATER());
    assert.equal((fs.statSync(stampCachePath(dir)).mode & 0o777), 0o600);
    fs.chmodSync(stampCachePath(dir), 0o666);
    assert.equal(recall(dir, 'k', fileStamp(st)), undefined);
    fs.chmodSync(stampCachePath(dir), 0o600);
    assert.equal(recall(dir, 'k', fileStamp(st)), 'v1');
    fs.writeFileSync(stampCachePath(dir), '{not json');
    assert.equal(recall(dir, 'k', fileStamp(st)), undefined);
    remember(dir, 'k', st, 'v2', LATER());
    assert.equal(recall(dir, 'k', fileStamp(st)), 'v2');
  });

  test('hashFileRemembered hashes as hashFile does, and answers from the record while the file is unchanged', () => {
    const want = hashFile(file, 'sha512');
    assert.equal(hashFileRemembered(dir, file, 'sha512', LATER()), want);
    const recorded = JSON.parse(fs.readFileSync(stampCachePath(dir), 'utf8')) as Record<string, { value: string }>;
    assert.equal(recorded[`sha512:${file}`]?.value, want);
    // A forged value under the same stamp is what a hit returns: the stamp decides, not the bytes.
    const key = `sha512:${file}`;
    const forged = `sha512:${'0'.repeat(128)}`;
    fs.writeFileSync(stampCachePath(dir), JSON.stringify({ [key]: { ...recorded[key], value: forged } }), { mode: 0o600 });
    assert.equal(hashFileRemembered(dir, file, 'sha512'), forged);
    // A change to the file makes it hash again.
    fs.writeFileSync(file, 'other stage1 bytes');
    assert.equal(hashFileRemembered(dir, file, 'sha512'), hashFile(file, 'sha512'));
    // A malformed value is not trusted.
    fs.writeFileSync(stampCachePath(dir), JSON.stringify({ [key]: { stamp: fileStamp(fs.statSync(file, { bigint: true })), value: 'sha512:zz' } }), { mode: 0o600 });
    assert.equal(hashFileRemembered(dir, file, 'sha512'), hashFile(file, 'sha512'));
  });
});

test('entries of files that are gone are dropped when the record is next written', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-stamp-cache-'));
  try {
    const a = path.join(dir, 'a');
    const b = path.join(dir, 'b');
    fs.writeFileSync(a, 'a');
    fs.writeFileSync(b, 'b');
    remember(dir, `sha512:${a}`, fs.statSync(a, { bigint: true }), 'va', LATER());
    remember(dir, `tree-entries:${b}`, fs.statSync(b, { bigint: true }), 'vb', LATER());
    fs.rmSync(a);
    remember(dir, `tree-entries:${b}`, fs.statSync(b, { bigint: true }), 'vb2', LATER());
    assert.deepEqual(Object.keys(JSON.parse(fs.readFileSync(stampCachePath(dir), 'utf8'))), [`tree-entries:${b}`]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
