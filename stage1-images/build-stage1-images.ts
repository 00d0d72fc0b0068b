// Packs each stage1 flavor into the ACI stage0 imports like any image: its entrypoints
// bundled with esbuild under /skiff/stage1/ and a manifest whose skiff.dev/stage1/*
// annotations name them (docs/stage1-interface.md). The tar is deterministic (sorted
// entries, mtime 0, owner 0:0, fixed modes), so the same sources give the same bytes and
// therefore the same image ID.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pack as createPack } from 'tar-stream';
import { APPC_VERSION } from '../common/appc-types.ts';
import type { ImageManifest } from '../common/appc-types.ts';
import { aciImageId } from '../common/ids.ts';
import { aciManifestPath, aciRootfsPath } from '../common/layout.ts';
import { validateImageManifest } from '../common/schemas/validate.ts';
import { STAGE1_ANNOTATIONS, STAGE1_INTERFACE_VERSION } from '../common/stage1-interface.ts';
import type { Stage1Entrypoint } from '../common/stage1-interface.ts';
import { CJS_BUNDLE_OPTIONS, routeDynamicImports } from './cjs-bundle.ts';
import { REQUIRE_BANNER } from './require-banner.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * A file of the stage1 rootfs: a TypeScript entry bundled to one ES module (or, with `cjs`, to
 * CommonJS: see cjs-bundle.ts), or a file copied as is.
 */
type RootfsFile = { path: string; bundle: string; cjs?: boolean } | { path: string; copy: string; mode: number; optional?: boolean };

export interface FlavorSpec {
  flavor: string;
  files: readonly RootfsFile[];
  /** Each entrypoint's path inside the rootfs. */
  entrypoints: Readonly<Record<Stage1Entrypoint, string>>;
  /** The run module's path inside the rootfs, if the flavor has one. */
  runModule?: string;
}

/** One row per flavor. */
const FLAVORS: readonly FlavorSpec[] = [
  {
    flavor: 'fly',
    files: [
      // run is a shell that runs run.mjs as a child, then execs the app (see stage1/fly/run.sh).
      { path: 'skiff/stage1/run', copy: 'stage1/fly/run.sh', mode: 0o755 },
      { path: 'skiff/stage1/run.mjs', bundle: 'stage1/fly/run.ts' },
      { path: 'skiff/stage1/exit-watcher.pl', copy: 'stage1/fly/exit-watcher.pl', mode: 0o755 },
      { path: 'skiff/stage1/enter.mjs', bundle: 'stage1/fly/enter.ts' },
      { path: 'skiff/stage1/stop.mjs', bundle: 'stage1/fly/stop.ts' },
      { path: 'skiff/stage1/gc.mjs', bundle: 'stage1/fly/gc.ts' },
    ],
    entrypoints: {
      run: '/skiff/stage1/run',
      enter: '/skiff/stage1/enter.mjs',
      stop: '/skiff/stage1/stop.mjs',
      gc: '/skiff/stage1/gc.mjs',
    },
  },
  {
    flavor: 'default',
    files: [
      // run is a shell that runs run.cjs as a child, then execs the monitor (see stage1/default/run.sh);
      // run.cjs is also the run module stage0 loads in its own process (see stage1/default/run.ts),
      // CommonJS so that stage0 keeps what V8 compiled of it (common/code-cache.ts).
      { path: 'skiff/stage1/run', copy: 'stage1/default/run.sh', mode: 0o755 },
      { path: 'skiff/stage1/run.cjs', bundle: 'stage1/default/run.ts', cjs: true },
      { path: 'skiff/stage1/monitor.sh', copy: 'stage1/default/monitor.sh', mode: 0o755 },
      // Built by scripts/build-native.ts when there is a C compiler (else the monitor uses unshare(1)).
      { path: 'skiff/stage1/runtime-exec', copy: 'dist/native/skiff-runtime-exec', mode: 0o755, optional: true },
      // The Node-API helper (common/native-sys.ts looks for it at ../native/ from run.cjs): the
      // sandbox starts without a shell. Optional too (the run module then runs setsid(1) from sh).
      { path: 'skiff/native/skiff-sys.node', copy: 'dist/native/skiff-sys.node', mode: 0o644, optional: true },
      { path: 'skiff/stage1/enter.mjs', bundle: 'stage1/default/enter.ts' },
      { path: 'skiff/stage1/stop.mjs', bundle: 'stage1/default/stop.ts' },
      { path: 'skiff/stage1/gc.mjs', bundle: 'stage1/default/gc.ts' },
    ],
    entrypoints: {
      run: '/skiff/stage1/run',
      enter: '/skiff/stage1/enter.mjs',
      stop: '/skiff/stage1/stop.mjs',
      gc: '/skiff/stage1/gc.mjs',
    },
    runModule: '/skiff/stage1/run.cjs',
  },
];

export interface BuiltStage1Image {
  flavor: string;
  /** The image name, `skiff.dev/stage1-<flavor>`. */
  name: string;
  version: string;
  /** `<distDir>/stage1-<flavor>.aci` */
  path: string;
  /** `sha512-<hex>` of the (uncompressed) ACI, as stage0 will import it. */
  imageId: string;
}

export interface BuildStage1Options {
  /** Only these flavors (default: all). */
  flavors?: readonly string[];
  /** The image version label (default: package.json's version). */
  version?: string;
}

export const stage1ImageName = (flavor: string): string => `skiff.dev/stage1-${flavor}`;
export const stage1ImageFile = (distDir: string, flavor: string): string => path.join(distDir, `stage1-${flavor}.aci`);
/** The unpacked image (manifest + rootfs/), kept beside the ACI for inspection and tests. */
export const stage1StagingDir = (distDir: string, flavor: string): string => path.join(distDir, `stage1-${flavor}`);

export function stage1Manifest(spec: FlavorSpec, version: string): ImageManifest {
  const annotation = (name: string, value: string) => ({ name, value });
  return {
    acKind: 'ImageManifest',
    acVersion: APPC_VERSION,
    name: stage1ImageName(spec.flavor),
    labels: [
      { name: 'version', value: version },
      { name: 'os', value: 'linux' },
      { name: 'arch', value: 'amd64' },
    ],
    annotations: [
      annotation(STAGE1_ANNOTATIONS.run, spec.entrypoints.run),
      annotation(STAGE1_ANNOTATIONS.enter, spec.entrypoints.enter),
      annotation(STAGE1_ANNOTATIONS.gc, spec.entrypoints.gc),
      annotation(STAGE1_ANNOTATIONS.stop, spec.entrypoints.stop),
      annotation(STAGE1_ANNOTATIONS.interfaceVersion, STAGE1_INTERFACE_VERSION),
      annotation(STAGE1_ANNOTATIONS.flavor, spec.flavor),
      ...(spec.runModule ? [annotation(STAGE1_ANNOTATIONS.runModule, spec.runModule)] : []),
    ],
  };
}

async function bundle(entry: string, version: string, cjs: boolean): Promise<Buffer> {
  const esbuild = await import('esbuild');
  // Bundled CommonJS (pino) needs require() in an ES module: see require-banner.ts.
  const format = cjs ? CJS_BUNDLE_OPTIONS : ({ format: 'esm', banner: { js: REQUIRE_BANNER } } as const);
  const result = await esbuild.build({
    entryPoints: [entry],
    absWorkingDir: repoRoot, // paths in the bundle's comments are relative to it: the same in every checkout
    bundle: true,
    write: false,
    platform: 'node',
    target: 'node22',
    minifySyntax: true,
    legalComments: 'none',
    ...format,
    define: { ...('define' in format ? format.define : {}), SKIFF_VERSION: JSON.stringify(version) },
    logLevel: 'warning',
  });
  const out = result.outputFiles[0];
  if (!out) throw new Error(`esbuild produced nothing for ${entry}`);
  return cjs ? Buffer.from(routeDynamicImports(out.text)) : Buffer.from(out.contents);
}

interface TarEntry {
  name: string;
  type: 'file' | 'directory';
  mode: number;
  data?: Buffer;
}

/** The entries of the ACI, directories included, sorted by name (`manifest` sorts first). */
async function aciEntries(spec: FlavorSpec, version: string): Promise<TarEntry[]> {
  const manifest = stage1Manifest(spec, version);
  validateImageManifest(manifest, `the ${spec.flavor} stage1 manifest`);
  const entries = new Map<string, TarEntry>();
  entries.set('manifest', { name: 'manifest', type: 'file', mode: 0o644, data: Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`) });
  entries.set('rootfs', { name: 'rootfs', type: 'directory', mode: 0o755 });
  for (const file of spec.files) {
    if ('copy' in file && file.optional && !fs.existsSync(path.join(repoRoot, file.copy))) continue;
    const parts = file.path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = ['rootfs', ...parts.slice(0, i)].join('/');
      entries.set(dir, { name: dir, type: 'directory', mode: 0o755 });
    }
    const data = 'bundle' in file ? await bundle(file.bundle, version, file.cjs === true) : fs.readFileSync(path.join(repoRoot, file.copy));
    const mode = 'bundle' in file ? 0o644 : file.mode;
    entries.set(`rootfs/${file.path}`, { name: `rootfs/${file.path}`, type: 'file', mode, data });
  }
  return [...entries.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

async function packTar(entries: readonly TarEntry[]): Promise<Buffer> {
  const pack = createPack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    pack.on('data', (c: unknown) => chunks.push(c as Buffer));
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  for (const e of entries) {
    const header = { name: e.type === 'directory' ? `${e.name}/` : e.name, type: e.type, mode: e.mode, mtime: new Date(0), uid: 0, gid: 0, uname: '', gname: '' };
    if (e.type === 'file') pack.entry({ ...header, size: e.data?.length ?? 0 }, e.data ?? Buffer.alloc(0));
    else pack.entry(header);
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

function writeStaging(dir: string, entries: readonly TarEntry[]): void {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  for (const e of entries) {
    const target = path.join(dir, e.name);
    if (e.type === 'directory') fs.mkdirSync(target, { recursive: true, mode: e.mode });
    else fs.writeFileSync(target, e.data ?? Buffer.alloc(0), { mode: e.mode });
    fs.chmodSync(target, e.mode);
  }
}

function packageVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/** Builds `<distDir>/stage1-<flavor>.aci` for each flavor, plus its unpacked staging copy. */
export async function buildStage1Images(distDir: string, opts: BuildStage1Options = {}): Promise<BuiltStage1Image[]> {
  const version = opts.version ?? packageVersion();
  const specs = FLAVORS.filter((f) => opts.flavors === undefined || opts.flavors.includes(f.flavor));
  fs.mkdirSync(distDir, { recursive: true });
  const built: BuiltStage1Image[] = [];
  for (const spec of specs) {
    const entries = await aciEntries(spec, version);
    const staging = stage1StagingDir(distDir, spec.flavor);
    writeStaging(staging, entries);
    const tar = await packTar(entries);
    const file = stage1ImageFile(distDir, spec.flavor);
    const tmp = `${file}.tmp`;
    fs.writeFileSync(tmp, tar);
    fs.renameSync(tmp, file);
    const imageId = aciImageId(createHash('sha512').update(tar).digest('hex'));
    built.push({ flavor: spec.flavor, name: stage1ImageName(spec.flavor), version, path: file, imageId });
  }
  return built;
}

/** The flavors this build knows, for stage0's `--stage1-name` and the docs. */
export const STAGE1_FLAVORS: readonly string[] = FLAVORS.map((f) => f.flavor);

// Paths inside the staging dir follow the ACI layout helpers.
export const stage1StagingManifest = (distDir: string, flavor: string): string => aciManifestPath(stage1StagingDir(distDir, flavor));
export const stage1StagingRootfs = (distDir: string, flavor: string): string => aciRootfsPath(stage1StagingDir(distDir, flavor));
