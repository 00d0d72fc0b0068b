// The bundles of the hot commands' own paths, dist/stage0/run.cjs and fetch.cjs: the chunks of
// the code-split stage0 that the command loads (everything entry.mjs imports statically, plus
// the modules behind the lazy imports on its path) bundled again into one module, with every
// other chunk left where it is and loaded on demand as before. Each ES module costs ~0.5 ms to
// resolve, link and evaluate, and a run loaded 37 of them: one module of ~270 kB starts ~30 ms
// sooner (docs/benchmarks.md). The code split alone cannot get there: every command's lazy
// import is a split point.
//
// They are CommonJS, not ES modules, so that the launcher can load them through skiff's code
// cache (stage1-images/cjs-bundle.ts says why).
//
// A chunk loaded on demand from such a bundle (an image fetched during `run`, say) brings its
// own copies of the modules the bundle inlined. That is harmless because no skiff module keeps state
// (STYLE) and SkiffError is recognised by a brand, not by its class (common/errors.ts).
import fs from 'node:fs';
import path from 'node:path';
import type { Metafile, Plugin } from 'esbuild';
import { CJS_BUNDLE_OPTIONS, routeDynamicImports } from '../stage1-images/cjs-bundle.ts';

/** How stage0 is bundled, both times: ES modules for Node 22+, syntax minified. */
export const STAGE0_BUNDLE_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
} as const;

/**
 * Per bundle, the modules behind the lazy imports on its command's path: for `run`, main.ts's
 * and the run command's; for `fetch`, a registry pull's (a local import or an https ACI loads
 * its importer on demand).
 */
export const PATH_BUNDLES: Readonly<Record<string, readonly string[]>> = {
  run: ['stage0/commands/run.ts', 'stage0/pods/run-pod.ts'],
  fetch: ['stage0/commands/fetch.ts', 'stage0/ctx-for.ts', 'store/import/fetch-images.ts', 'store/remote/cache/stored-image.ts', 'store/remote/registry/pull.ts'],
};

/**
 * The output files (paths as in the metafile) a run loads: the static closure of `entry`,
 * following a dynamic import only into a chunk made for one of `lazyEntries` (pure).
 */
export function pathBundleOutputs(meta: Metafile, entry: string, lazyEntries: readonly string[]): Set<string> {
  const wanted = new Set(lazyEntries);
  const seen = new Set<string>();
  const todo = [entry];
  while (todo.length > 0) {
    const out = todo.pop()!;
    if (seen.has(out)) continue;
    seen.add(out);
    for (const imp of meta.outputs[out]?.imports ?? []) {
      if (imp.external) continue;
      if (imp.kind === 'import-statement') todo.push(imp.path);
      else if (imp.kind === 'dynamic-import' && wanted.has(meta.outputs[imp.path]?.entryPoint ?? '')) todo.push(imp.path);
    }
  }
  return seen;
}

/** esbuild plugin: chunks outside `inline` (absolute paths) and bare packages stay imports. */
function keepOthers(inline: ReadonlySet<string>): Plugin {
  return {
    name: 'keep-other-chunks',
    setup(build) {
      build.onResolve({ filter: /^\.\/chunk-[^/]+\.mjs$/ }, (args) => {
        const file = path.resolve(args.resolveDir, args.path);
        return inline.has(file) ? undefined : { path: args.path, external: true };
      });
      build.onResolve({ filter: /^[^./]/ }, (args) => ({ path: args.path, external: true }));
    },
  };
}

/**
 * Writes OUTDIR/<name>.cjs for each of PATH_BUNDLES from OUTDIR/entry.mjs and the split
 * build's metafile (its paths are relative to `root`, the split build's working directory).
 * The chunks keep their own banner.
 */
export async function buildPathBundles(esbuild: typeof import('esbuild'), root: string, outdir: string, meta: Metafile): Promise<void> {
  const entryOut = Object.keys(meta.outputs).find((o) => meta.outputs[o]?.entryPoint?.endsWith('stage0/entry.ts'));
  if (!entryOut) throw new Error('build: the split build has no stage0/entry.ts output');
  for (const [name, lazyEntries] of Object.entries(PATH_BUNDLES)) {
    const inline = new Set([...pathBundleOutputs(meta, entryOut, lazyEntries)].map((o) => path.resolve(root, o)));
    const result = await esbuild.build({
      entryPoints: [path.resolve(root, entryOut)],
      outfile: path.join(outdir, `${name}.cjs`),
      ...STAGE0_BUNDLE_OPTIONS,
      ...CJS_BUNDLE_OPTIONS,
      plugins: [keepOthers(inline)],
      write: false,
    });
    for (const out of result.outputFiles) fs.writeFileSync(out.path, routeDynamicImports(out.text));
  }
}
