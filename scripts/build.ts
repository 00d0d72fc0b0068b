// Builds what skiff runs from: JSON schema validators compiled ahead of time, then stage0
// bundled with code splitting, so each `await import()` in a command handler is a chunk that
// only the commands needing it load (every `skiff run` pays stage0's start-up).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';
import { ROOT_COMPILE_CACHE_DIR, USER_COMPILE_CACHE_SUBDIR } from '../common/layout.ts';
import { buildSchemas } from './build-schemas.ts';
import { REQUIRE_BANNER } from '../stage1-images/require-banner.ts';
import { COMMAND_NAMES } from '../stage0/commands/index.ts';
import { buildPathBundles, PATH_BUNDLES, STAGE0_BUNDLE_OPTIONS } from './build-path-bundles.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');

const STAGE0_ENTRY = 'stage0/entry.ts';

/**
 * Every `string-width` import goes to scripts/shims/lazy-string-width.ts, which loads the real
 * module (one copy, node_modules/string-width) on first use: see that file for why.
 */
function lazyStringWidth(): Plugin {
  return {
    name: 'lazy-string-width',
    setup(build) {
      build.onResolve({ filter: /^string-width$/ }, () => ({ path: path.join(root, 'scripts', 'shims', 'lazy-string-width.ts') }));
      build.onResolve({ filter: /^string-width\/real$/ }, () => ({ path: path.join(root, 'node_modules', 'string-width', 'index.js') }));
    },
  };
}
const STAGE0_OUT = 'stage0';

/**
 * dist/skiff.mjs: Node's compile cache in a directory of the user's own (common/layout.ts
 * says why not Node's default), used only if it is a real directory owned by this user that
 * nobody else can write; then the bundle.
 */
function launcherEntry(): string {
  return `import module from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
const COMMANDS = new Set(${JSON.stringify([...COMMAND_NAMES])});
try {
  const uid = process.getuid();
  const dir = uid === 0 ? ${JSON.stringify(ROOT_COMPILE_CACHE_DIR)} : os.homedir() + '/' + ${JSON.stringify(USER_COMPILE_CACHE_SUBDIR)};
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = fs.lstatSync(dir);
  if (st.isDirectory() && st.uid === uid && (st.mode & 0o022) === 0) module.enableCompileCache?.(dir);
} catch {}
// \`skiff run\` and \`skiff fetch\` have bundles of their own paths (scripts/build-path-bundles.ts);
// the command is the first word that names one, as stage0/main.ts reads it.
const command = process.argv.slice(2).find((a) => COMMANDS.has(a));
const PATH_BUNDLES = new Set(${JSON.stringify(Object.keys(PATH_BUNDLES))});
await import(PATH_BUNDLES.has(command) ? \`./stage0/\${command}.mjs\` : './stage0/entry.mjs');
`;
}

async function main(): Promise<void> {
  await buildSchemas(path.join(root, 'common', 'schemas', 'generated'));
  const esbuild = await import('esbuild');
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
  fs.mkdirSync(dist, { recursive: true });
  // Build beside the old bundle and swap it in, so a skiff running from dist/ meanwhile (a test,
  // a benchmark) never finds a half-written one.
  const staging = path.join(dist, `.${STAGE0_OUT}-${process.pid}`);
  fs.rmSync(staging, { recursive: true, force: true });
  {
    const split = await esbuild.build({
      absWorkingDir: root,
      metafile: true,
      // The blob worker is its own entry: a worker thread loads it by URL beside the chunks.
      entryPoints: { entry: path.join(root, STAGE0_ENTRY), 'blob-worker': path.join(root, 'store/blob-worker.ts') },
      outdir: staging,
      outExtension: { '.js': '.mjs' },
      splitting: true,
      chunkNames: 'chunk-[hash]',
      ...STAGE0_BUNDLE_OPTIONS,
      define: { SKIFF_VERSION: JSON.stringify(pkg.version) },
      // Bundled CommonJS (yargs, pino) needs require(): see stage1-images/require-banner.ts.
      banner: { js: REQUIRE_BANNER },
      plugins: [lazyStringWidth()],
    });
    await buildPathBundles(esbuild, root, staging, split.metafile);
  }
  const previous = path.join(dist, `.${STAGE0_OUT}-old-${process.pid}`);
  if (fs.existsSync(path.join(dist, STAGE0_OUT))) fs.renameSync(path.join(dist, STAGE0_OUT), previous);
  fs.renameSync(staging, path.join(dist, STAGE0_OUT));
  fs.rmSync(previous, { recursive: true, force: true });
  // The entry the launcher runs: turn on Node's compile cache, then load the bundle.
  fs.writeFileSync(path.join(dist, 'skiff.mjs'), launcherEntry());
  // The optional C helper stage0 loads beside its bundle (dist/native/).
  const { buildNative } = await import('./build-native.ts');
  buildNative(root, dist);
  // The stage1 images (dist/stage1-<flavor>.aci) stage0 imports as it would any image.
  const { buildStage1Images } = await import('../stage1-images/build-stage1-images.ts');
  await buildStage1Images(dist);
}

await main();
