// The build's stand-in for string-width measures "narrow" text itself: every character it
// counts as one column must be one column for the real module too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import realStringWidth from 'string-width';
import { NARROW } from '../../../scripts/shims/lazy-string-width.ts';

test('every character the shim counts as one column is one column for string-width', () => {
  let checked = 0;
  for (let code = 0; code <= 0xffff; code++) {
    const ch = String.fromCharCode(code);
    if (!NARROW.test(ch)) continue;
    assert.equal(realStringWidth(ch), 1, `U+${code.toString(16).padStart(4, '0')}`);
    checked++;
  }
  assert.ok(checked > 250, `only ${checked} characters`);
  assert.equal(NARROW.test('skiff fetch <images..>  fetch images … into the store'), true);
  assert.equal(NARROW.test('\u001b[1mbold\u001b[22m'), false, 'escape codes go to the real module');
  assert.equal(NARROW.test('漢字'), false, 'wide characters go to the real module');
});
