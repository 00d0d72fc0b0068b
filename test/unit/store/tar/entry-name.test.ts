import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isSkiffError } from '../../../../common/errors.ts';
import { classifyWhiteout, normalizeEntryName, stripTreePrefix } from '../../../../store/tar/entry-name.ts';

const unsafe = (err: unknown): boolean => isSkiffError(err) && err.code === 'ARCHIVE_UNSAFE';

describe('normalizeEntryName', () => {
  test('makes names relative and clean', () => {
    const cases: Array<[string, string]> = [
      ['usr/bin/sh', 'usr/bin/sh'],
      ['usr/lib/', 'usr/lib'],
      ['./usr//lib/./x', 'usr/lib/x'],
      ['/etc/passwd', 'etc/passwd'],
      ['///etc', 'etc'],
      ['a/b/../c', 'a/c'],
      ['a/..', '.'],
      ['./', '.'],
      ['', '.'],
      ['..foo/bar..', '..foo/bar..'],
      ['.wh..wh..opq', '.wh..wh..opq'],
    ];
    for (const [raw, want] of cases) assert.equal(normalizeEntryName(raw), want, raw);
  });

  test('refuses names that climb out or hide a NUL', () => {
    for (const raw of ['..', '../x', './../x', 'a/../../x', '/../etc', 'a\0b']) {
      assert.throws(() => normalizeEntryName(raw), unsafe, raw);
    }
  });
});

describe('stripTreePrefix', () => {
  test('maps members under the prefix and leaves the rest out', () => {
    assert.equal(stripTreePrefix('rootfs', 'rootfs'), '.');
    assert.equal(stripTreePrefix('rootfs/bin/sh', 'rootfs'), 'bin/sh');
    assert.equal(stripTreePrefix('rootfsx/bin', 'rootfs'), null);
    assert.equal(stripTreePrefix('manifest', 'rootfs'), null);
    assert.equal(stripTreePrefix('bin/sh', null), 'bin/sh');
  });
});

describe('classifyWhiteout', () => {
  test('recognizes whiteouts, opaque markers and aufs leftovers', () => {
    assert.equal(classifyWhiteout('etc/passwd', 'etc/passwd'), null);
    assert.deepEqual(classifyWhiteout('etc/.wh.passwd', ''), { kind: 'whiteout', target: 'etc/passwd' });
    assert.deepEqual(classifyWhiteout('.wh.top', ''), { kind: 'whiteout', target: 'top' });
    assert.deepEqual(classifyWhiteout('var/.wh..wh..opq', ''), { kind: 'opaque', dir: 'var' });
    assert.deepEqual(classifyWhiteout('.wh..wh..opq', ''), { kind: 'opaque', dir: '.' });
    assert.deepEqual(classifyWhiteout('.wh..wh.plnk', ''), { kind: 'ignore' });
    assert.deepEqual(classifyWhiteout('a/.wh..hidden', ''), { kind: 'whiteout', target: 'a/.hidden' });
  });

  test('refuses whiteouts of no name, of . or of ..', () => {
    for (const rel of ['a/.wh.', 'a/.wh..', 'a/.wh...']) assert.throws(() => classifyWhiteout(rel, rel), unsafe, rel);
  });
});
