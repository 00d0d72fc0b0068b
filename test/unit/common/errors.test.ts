// SkiffError is recognised by its brand, so one made by another copy of common/errors.ts (a
// chunk that `skiff run`'s own bundle loads on demand) still formats as a skiff error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatErrorLine, isSkiffError, SkiffError } from '../../../common/errors.ts';

test('an error from another copy of the module is a SkiffError; a plain Error is not', () => {
  const other = Object.assign(new Error('disk full'), { name: 'SkiffError', code: 'IO', hint: 'try again', [Symbol.for('skiff.SkiffError')]: true });
  assert.ok(other instanceof SkiffError);
  assert.ok(isSkiffError(other));
  assert.ok(new SkiffError('IO', 'x') instanceof SkiffError);
  assert.ok(new SkiffError('IO', 'x') instanceof Error);
  assert.ok(!(new Error('x') instanceof SkiffError));
  assert.ok(!((null as unknown as object) instanceof SkiffError));
  assert.equal(formatErrorLine(other), formatErrorLine(new SkiffError('IO', 'disk full', { hint: 'try again' })));
});
