import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parsePodUuid } from '../../../../common/ids.ts';
import * as layout from '../../../../common/layout.ts';
import { movePod, type PodRef } from '../../../../stage0/pods/find-pod.ts';

test('movePod: renames the pod into the state dir, making that dir again if it was removed', (t) => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'skiff-movepod-'));
  t.after(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const uuid = parsePodUuid('0b1c7f0e-4f4b-4c37-9a39-6b7f1d2b9c11');
  const root = layout.podDir(dataDir, 'run', uuid);
  fs.mkdirSync(root, { recursive: true });
  fs.writeFileSync(path.join(root, 'pod'), '{}');
  const pod: PodRef = { uuid, dir: 'run', root, state: 'exited' } as PodRef;
  const moved = movePod(dataDir, pod, 'exited-garbage');
  assert.equal(moved.root, layout.podDir(dataDir, 'exited-garbage', uuid));
  assert.equal(fs.readFileSync(path.join(moved.root, 'pod'), 'utf8'), '{}');
  assert.equal(fs.existsSync(root), false);
  assert.throws(() => movePod(dataDir, pod, 'garbage'), /ENOENT/, 'a pod that is gone is still an error');
});
