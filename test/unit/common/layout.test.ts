import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as layout from '../../../common/layout.ts';
import { parseAppName, parsePodUuid } from '../../../common/ids.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

test('every path in docs/on-disk-format.md has a layout.ts helper', () => {
  const doc = fs.readFileSync(path.join(root, 'docs/on-disk-format.md'), 'utf8');
  const helpers = new Set<string>();
  for (const line of doc.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 4 || !cells[1]?.startsWith('`')) continue;
    for (const m of (cells[2] ?? '').matchAll(/`(\w+)`/g)) helpers.add(m[1]!);
  }
  assert.ok(helpers.size > 20, `found only ${helpers.size} helpers in the doc`);
  for (const h of helpers) {
    assert.equal(typeof (layout as Record<string, unknown>)[h], 'function', `layout.ts has no helper ${h}`);
  }
});

test('pod paths are built under the pod directory', () => {
  const uuid = parsePodUuid('0b1c7f0e-4f4b-4c37-9a39-6b7f1d2b9c11');
  const pod = layout.podDir('/d', 'prepared', uuid);
  assert.equal(pod, `/d/pods/prepared/${uuid}`);
  const app = parseAppName('web');
  assert.equal(layout.appRootfsPath(pod, app), `${pod}/stage1/rootfs/opt/stage2/web/rootfs`);
  assert.equal(layout.appStatusPath(pod, app), `${pod}/stage1/rootfs/skiff/status/web`);
});
