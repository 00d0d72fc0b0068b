import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nameHash } from '../../../common/name-hash.ts';

test('nameHash: 16 hex digits that tell keys apart, lengths too', () => {
  assert.match(nameHash(''), /^[0-9a-f]{16}$/);
  assert.match(nameHash('x'.repeat(6001)), /^[0-9a-f]{16}$/);
  const names = new Set(['a', 'b', 'ab', 'ba', 'a\0', 'abcd', 'abce', 'é', 'x'.repeat(6000), 'x'.repeat(6001)].map(nameHash));
  assert.equal(names.size, 10);
  assert.equal(nameHash('same key'), nameHash('same key'));
});
