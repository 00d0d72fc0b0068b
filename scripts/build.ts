// Builds what skiff runs from: JSON schema validators compiled ahead of time, then one ESM
// bundle per entry point (stage0 and each stage1 flavor), so start-up reads one file.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSchemas } from './build-schemas.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');

const ENTRIES: Record<string, string> = {
  'stage0.mjs': 'stage0/entry.ts',
};

async function main(): Promise<void> {
  await buildSchemas(path.join(root, 'common', 'schemas', 'generated'));
  const esbuild = await import('esbuild');
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
  fs.mkdirSync(dist, { recursive: true });
  for (const [out, entry] of Object.entries(ENTRIES)) {
    if (!fs.existsSync(path.join(root, entry))) continue;
    await esbuild.build({
      entryPoints: [path.join(root, entry)],
      outfile: path.join(dist, out),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      minifySyntax: true,
      legalComments: 'none',
      define: { SKIFF_VERSION: JSON.stringify(pkg.version) },
      // Bundled CommonJS (yargs, pino) needs require(); give the ESM bundle one.
      banner: { js: "import { createRequire as __skiffRequire } from 'node:module'; const require = __skiffRequire(import.meta.url);" },
      logLevel: 'warning',
    });
  }
  // The entry the launcher runs: turn on Node's compile cache, then load the bundle.
  fs.writeFileSync(
    path.join(dist, 'skiff.mjs'),
    "import module from 'node:module';\ntry { module.enableCompileCache?.(); } catch {}\nawait import('./stage0.mjs');\n",
  );
  // The stage1 images (dist/stage1-<flavor>.aci) stage0 imports as it would any image.
  const { buildStage1Images } = await import('../stage1-images/build-stage1-images.ts');
  await buildStage1Images(dist);
}

await main();
