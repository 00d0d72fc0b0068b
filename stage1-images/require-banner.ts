// The line esbuild puts at the top of every ESM chunk skiff ships, the stage1 images' and
// (through scripts/build.ts) stage0's: bundled CommonJS (yargs, pino) calls require() for
// Node's built-ins, which an ES module lacks. The real require is made on the first call, not
// as each of stage0's ~40 chunks loads (createRequire costs ~50 µs a chunk on every start-up).
export const REQUIRE_BANNER = [
  "import { createRequire as __skiffCreateRequire } from 'node:module';",
  'let __skiffRequire;',
  'function require(id) { return (__skiffRequire ??= __skiffCreateRequire(import.meta.url))(id); }',
  'require.resolve = (id, options) => (__skiffRequire ??= __skiffCreateRequire(import.meta.url)).resolve(id, options);',
].join(' ');
