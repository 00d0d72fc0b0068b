// `skiff run`'s own bundle, dist/stage0/run.mjs: the chunks of the code-split stage0 that a
// run loads (everything entry.mjs imports statically, plus the run command and the pod path
// behind it) bundled again into one module, with every other chunk left where it is and
// loaded on demand as before. Each ES module costs ~0.5 ms to resolve, link and evaluate, and
// a run loaded 37 of them: one module of ~270 kB starts ~30 ms sooner (docs/benchmarks.md).
// The code split alone cannot get there: every command's lazy import is a split point.
//
// A chunk loaded on demand from run.mjs (an image fetched during `run`, say) brings its own
// copies of the modules run.mjs inlined. That is harmless because no skiff module keeps state
// (STYLE) and SkiffError is recognised by a brand, not by its class (common/errors.ts).
import path from 'node:path';
import type { Metafile, Plugin } from 'esbuild';

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

/** The modules behind the run path's dynamic imports (stage0/main.ts, stage0/commands/run.ts). */
export const RUN_PATH_ENTRIES = ['stage0/commands/run.ts', 'stage0/pods/run-pod.ts'];

/**
 * The output files (paths as in the metafile) a run loads: the static closure of `entry`,
 * following a dynamic import only into a chunk made for one of `lazyEntries` (pure).
 */
export function runPathOutputs(meta: Metafile, entry: string, lazyEntries: readonly string[]): Set<string> {
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
 * Writes OUTDIR/run.mjs from OUTDIR/entry.mjs and the split build's metafile (its paths are
 * relative to `root`, the split build's working directory). The chunks keep their own banner.
 */
export async function buildRunBundle(esbuild: typeof import('esbuild'), root: string, outdir: string, meta: Metafile): Promise<void> {
  const entryOut = Object.keys(meta.outputs).find((o) => meta.outputs[o]?.entryPoint?.endsWith('stage0/entry.ts'));
  if (!entryOut) throw new Error('build: the split build has no stage0/entry.ts output');
  const inline = new Set([...runPathOutputs(meta, entryOut, RUN_PATH_ENTRIES)].map((o) => path.resolve(root, o)));
  await esbuild.build({
    entryPoints: [path.resolve(root, entryOut)],
    outfile: path.join(outdir, 'run.mjs'),
    ...STAGE0_BUNDLE_OPTIONS,
    plugins: [keepOthers(inline)],
  });
}
