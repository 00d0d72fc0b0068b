// The esbuild options that make a bundle CommonJS for skiff's code cache (common/code-cache.ts),
// kept here with require-banner.ts since both builds use them (stage1-images/, scripts/build.ts):
// the launcher loads stage0's path bundles through it, and stage0 the default stage1's run
// module, because vm.Script keeps what V8 compiled while the code ran, which Node's compile
// cache for modules does not. import.meta.url becomes the bundle's own file URL.
//
// Code compiled by vm.Script has no import() of its own (Node's only default for it is
// experimental and warns when used), so routeDynamicImports sends each import() of a chunk
// or a built-in to __skiffImport: the code cache passes one in; under plain Node (run.sh
// starts the stage1's run.cjs as its main script) the banner's fallback is import() itself.
// require() of a chunk would not do: a chunk that re-exports a package's "module.exports"
// (yargs) gives require() that value rather than its namespace.
export const CJS_BUNDLE_OPTIONS = {
  format: 'cjs',
  define: { 'import.meta.url': '__skiffModuleUrl' },
  banner: {
    js: [
      'var __skiffModuleUrl = require("node:url").pathToFileURL(__filename).href;',
      'var __skiffImport = __skiffImport || ((specifier) => import(specifier));',
    ].join(' '),
  },
} as const;

/**
 * Rewrites `import("./chunk-X.mjs")` and `import("node:x")` in esbuild's output to
 * `__skiffImport(…)`; fails if any other import() of a literal is left (pure).
 */
export function routeDynamicImports(code: string): string {
  const out = code.replace(/\bimport\((["'])(\.\/chunk-[A-Za-z0-9_-]+\.mjs|node:[a-z_/]+)\1\)/g, '__skiffImport("$2")');
  const left = /\bimport\(\s*["'`][^"'`]*["'`]\s*\)/.exec(out.replace('((specifier) => import(specifier))', ''));
  if (left) throw new Error(`build: ${left[0]} in a CommonJS bundle would not load under vm.Script; route it through __skiffImport`);
  return out;
}
