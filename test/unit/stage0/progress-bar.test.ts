import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatProgressLine } from '../../../stage0/progress-bar.ts';

test('progress lines: bytes, share, rate; a finished line keeps its rate; a note replaces the numbers', () => {
  const line = { label: 'layer 1 abc', total: 4 * 1024 * 1024, done: 1024 * 1024, started: 0, finished: false };
  assert.equal(formatProgressLine(line, 1000), 'layer 1 abc: 1 MiB/4 MiB 25% 1 MiB/s');
  assert.equal(formatProgressLine({ ...line, done: line.total, finished: true, ended: 2000 }, 9000), 'layer 1 abc: 4 MiB/4 MiB 100% done 2 MiB/s');
  assert.equal(formatProgressLine({ ...line, finished: true, note: 'already stored' }, 9000), 'layer 1 abc: already stored');
});
