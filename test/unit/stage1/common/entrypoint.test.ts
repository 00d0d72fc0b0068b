import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SkiffError } from '../../../../common/errors.ts';
import { exitCodeFor, formatStage1ErrorLine } from '../../../../stage1/common/entrypoint.ts';

test('exit codes: 127 not found, 126 cannot invoke, 125 for everything else', () => {
  assert.equal(exitCodeFor(new SkiffError('APP_NOT_FOUND', 'x')), 127);
  assert.equal(exitCodeFor(new SkiffError('APP_NOT_EXECUTABLE', 'x')), 126);
  assert.equal(exitCodeFor(new SkiffError('USAGE', 'x')), 125);
  assert.equal(exitCodeFor(new Error('boom')), 125);
});

test('one line, prefixed skiff-stage1', () => {
  assert.equal(formatStage1ErrorLine(new SkiffError('USAGE', 'bad thing', { hint: 'do this' })), 'skiff-stage1: bad thing (do this)');
  const errno = Object.assign(new Error('x'), { code: 'ENOENT', syscall: 'open', path: '/p' });
  assert.equal(formatStage1ErrorLine(errno), 'skiff-stage1: open /p: ENOENT');
});
