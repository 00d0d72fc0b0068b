// Builds what skiff runs from: JSON schema validators compiled ahead of time, then stage0
// bundled with code splitting, so each `await import()` in a command handler is a chunk that
// only the commands needing it load (every `skiff run` pays stage0's start-up).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';
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

/** dist/skiff.mjs, the launcher (stage0/launcher.ts), bundled alone: it must load fast. */
async function buildLauncher(esbuild: typeof import('esbuild')): Promise<void> {
  await esbuild.build({
    absWorkingDir: root,
    entryPoints: [path.join(root, 'stage0', 'launcher.ts')],
    outfile: path.join(dist, 'skiff.mjs'),
    ...STAGE0_BUNDLE_OPTIONS,
    define: { SKIFF_COMMANDS: JSON.stringify([...COMMAND_NAMES]), SKIFF_PATH_BUNDLES: JSON.stringify(Object.keys(PATH_BUNDLES)) },
  });
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
  await buildLauncher(esbuild);
  // The optional C helper stage0 loads beside its bundle (dist/native/).
  const { buildNative } = await import('./build-native.ts');
  buildNative(root, dist);
  // The stage1 images (dist/stage1-<flavor>.aci) stage0 imports as it would any image.
  const { buildStage1Images } = await import('../stage1-images/build-stage1-images.ts');
  await buildStage1Images(dist);
}

await main();
