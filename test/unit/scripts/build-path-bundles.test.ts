// Which chunks of the split stage0 go into a command's own bundle (scripts/build-path-bundles.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Metafile } from 'esbuild';
import { pathBundleOutputs } from '../../../scripts/build-path-bundles.ts';
import { routeDynamicImports } from '../../../stage1-images/cjs-bundle.ts';

type Imp = Metafile['outputs'][string]['imports'][number];
const out = (imports: Imp[], entryPoint?: string): Metafile['outputs'][string] =>
  ({ bytes: 1, inputs: {}, exports: [], imports, ...(entryPoint ? { entryPoint } : {}) }) as Metafile['outputs'][string];

test('the static closure of the entry, and dynamic imports only into the run path', () => {
  const meta = {
    inputs: {},
    outputs: {
      'd/entry.mjs': out([
        { path: 'd/chunk-A.mjs', kind: 'import-statement' },
        { path: 'd/chunk-RUN.mjs', kind: 'dynamic-import' },
        { path: 'd/chunk-FETCH.mjs', kind: 'dynamic-import' },
        { path: 'node:fs', kind: 'import-statement', external: true },
      ], 'stage0/entry.ts'),
      'd/chunk-A.mjs': out([]),
      'd/chunk-RUN.mjs': out([
        { path: 'd/chunk-B.mjs', kind: 'import-statement' },
        { path: 'd/chunk-POD.mjs', kind: 'dynamic-import' },
      ], 'stage0/commands/run.ts'),
      'd/chunk-B.mjs': out([]),
      'd/chunk-POD.mjs': out([
        { path: 'd/chunk-A.mjs', kind: 'import-statement' },
        { path: 'd/chunk-IMPORTER.mjs', kind: 'dynamic-import' },
      ], 'stage0/pods/run-pod.ts'),
      'd/chunk-IMPORTER.mjs': out([{ path: 'd/chunk-C.mjs', kind: 'import-statement' }], 'store/import/fetch-images.ts'),
      'd/chunk-C.mjs': out([]),
      'd/chunk-FETCH.mjs': out([], 'stage0/commands/fetch.ts'),
    },
  } as Metafile;
  const got = pathBundleOutputs(meta, 'd/entry.mjs', ['stage0/commands/run.ts', 'stage0/pods/run-pod.ts']);
  assert.deepEqual([...got].sort(), ['d/chunk-A.mjs', 'd/chunk-B.mjs', 'd/chunk-POD.mjs', 'd/chunk-RUN.mjs', 'd/entry.mjs']);
});


test('import() of a chunk or a built-in goes through __skiffImport; any other literal import() fails the build', () => {
  const code = 'var __skiffImport = __skiffImport || ((specifier) => import(specifier)); const a = await import("./chunk-AB12.mjs"); const f = await import(\'node:fs\'); const m = import(url);';
  assert.equal(routeDynamicImports(code), 'var __skiffImport = __skiffImport || ((specifier) => import(specifier)); const a = await __skiffImport("./chunk-AB12.mjs"); const f = await __skiffImport("node:fs"); const m = import(url);');
  assert.throws(() => routeDynamicImports('await import("pino")'), /would not load under vm.Script/);
});
