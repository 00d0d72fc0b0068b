// STYLE rule 1: stage0 and stage1 never import each other; only stage0 imports store; common
// imports nothing of ours but common.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MODULES = ['stage0', 'stage1', 'store', 'common', 'stage1-images'] as const;
const ALLOWED: Record<(typeof MODULES)[number], readonly string[]> = {
  stage0: ['stage0', 'common', 'store'],
  stage1: ['stage1', 'common'],
  store: ['store', 'common'],
  common: ['common'],
  'stage1-images': ['stage1-images', 'common'],
};

function* tsFiles(dir: string): Generator<string> {
  if (!fs.existsSync(dir)) return;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory() && e.name !== 'generated') yield* tsFiles(p);
    else if (e.isFile() && e.name.endsWith('.ts')) yield p;
  }
}

test('module boundaries hold', () => {
  const violations: string[] = [];
  for (const mod of MODULES) {
    for (const file of tsFiles(path.join(root, mod))) {
      const src = fs.readFileSync(file, 'utf8');
      for (const m of src.matchAll(/(?:from\s+|import\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)) {
        const target = path.relative(root, path.resolve(path.dirname(file), m[1]!));
        const top = target.split(path.sep)[0]!;
        if (!ALLOWED[mod].includes(top)) violations.push(`${path.relative(root, file)} imports ${target}`);
      }
    }
  }
  assert.deepEqual(violations, []);
});
