// dist/skiff.mjs, the module bin/skiff starts (bundled alone by scripts/build.ts). It turns on
// Node's compile cache in a directory of the user's own (common/layout.ts says why not Node's
// default), used only if it is a real directory owned by this user that nobody else can write,
// then starts the bundle for the command: `run` and `fetch` have CommonJS bundles of their own
// paths (scripts/build-path-bundles.ts), loaded through skiff's code cache
// (common/code-cache.ts); every other command loads the code-split ES modules.
import fs from 'node:fs';
import module from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createCodeCache } from '../common/code-cache.ts';
import { codeCacheDir, ROOT_COMPILE_CACHE_DIR, USER_COMPILE_CACHE_SUBDIR } from '../common/layout.ts';
import type { Launch } from './main.ts';

/** Defined by scripts/build.ts: stage0's command names, and those with a path bundle. */
declare const SKIFF_COMMANDS: readonly string[];
declare const SKIFF_PATH_BUNDLES: readonly string[];

interface Stage0Entry {
  start(argv: readonly string[], launch: Launch): void;
}

function ownCacheDir(): string | undefined {
  try {
    const uid = process.getuid?.() ?? -1;
    const dir = uid === 0 ? ROOT_COMPILE_CACHE_DIR : path.join(os.homedir(), USER_COMPILE_CACHE_SUBDIR);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = fs.lstatSync(dir);
    return st.isDirectory() && st.uid === uid && (st.mode & 0o022) === 0 ? dir : undefined;
  } catch {
    return undefined;
  }
}

async function launch(): Promise<void> {
  const cacheDir = ownCacheDir();
  if (cacheDir !== undefined) module.enableCompileCache?.(cacheDir);
  const argv = process.argv.slice(2);
  // The command is the first word that names one, as stage0/main.ts reads it.
  const commands = new Set(SKIFF_COMMANDS);
  const command = argv.find((a) => commands.has(a));
  const stage0Dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'stage0');
  if (command === undefined || !SKIFF_PATH_BUNDLES.includes(command)) {
    const entry = (await import(pathToFileURL(path.join(stage0Dir, 'entry.mjs')).href)) as Stage0Entry;
    entry.start(argv, {});
    return;
  }
  // Saved by the path itself once it has done its work (a run before its execve, a fetch after
  // it stored the images): not at any exit, or `skiff run --help` or a failure's short path
  // could become what every later process finds compiled.
  const codeCache = createCodeCache(cacheDir === undefined ? undefined : codeCacheDir(cacheDir, process.version, process.arch));
  const bundle = path.join(stage0Dir, `${command}.cjs`);
  let entry: Stage0Entry;
  try {
    entry = codeCache.load(bundle) as Stage0Entry;
  } catch (err) {
    // A dist/ half built or half copied: one line, as bin/skiff says of a missing dist/skiff.mjs.
    process.stderr.write(`skiff: cannot load ${bundle}: ${(err as Error).message} (run 'npm run build', or ./setup)
`);
    process.exitCode = 1;
    return;
  }
  entry.start(argv, { codeCache });
}

await launch();
