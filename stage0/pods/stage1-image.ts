// Choosing the stage1 image: a flavor shipped next to skiff's own install (imported into the
// store by hash, once), or an ACI named with --stage1-path. Its manifest must declare a run
// entrypoint and an interface version this stage0 speaks.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ImageManifest } from '../../common/appc-types.ts';
import { labelValue } from '../../common/appc-types.ts';
import type { Ctx } from '../../common/context.ts';
import { SkiffError } from '../../common/errors.ts';
import { aciImageId } from '../../common/ids.ts';
import {
  RUN_MODULE_SUPPORT,
  RUN_OPTION_SUPPORT,
  STAGE1_ANNOTATIONS,
  STAGE1_INTERFACE_VERSION,
  STAGE1_RUN_MODULE_ENV,
  type Stage1Entrypoint,
} from '../../common/stage1-interface.ts';
import { hashFileRemembered } from '../../store/hash-file.ts';
import { readImageRecords, type ImageRecord } from '../../store/image-index.ts';

export const STAGE1_FLAVORS = ['fly', 'default'] as const;
export const DEFAULT_STAGE1_FLAVOR = 'default';

/** Where the stage1 ACIs of this install live: beside the stage0 bundle (dist/), or $SKIFF_STAGE1_DIR. */
export function stage1Dir(): string {
  if (process.env.SKIFF_STAGE1_DIR) return process.env.SKIFF_STAGE1_DIR;
  const here = path.dirname(fileURLToPath(import.meta.url));
  // Bundled, this code is in a chunk under dist/stage0/; run from source (tests), in stage0/pods/.
  const candidates = [path.dirname(here), path.resolve(here, '..', '..', 'dist')];
  return candidates.find((d) => fs.existsSync(path.join(d, 'stage1-fly.aci'))) ?? candidates[0]!;
}

export function stage1FlavorPath(flavor: string): string {
  if (!(STAGE1_FLAVORS as readonly string[]).includes(flavor)) {
    throw new SkiffError('USAGE', `unknown stage1 flavor ${JSON.stringify(flavor)}`, { hint: `choose ${STAGE1_FLAVORS.join(' or ')}` });
  }
  return path.join(stage1Dir(), `stage1-${flavor}.aci`);
}

/** Imports the stage1 ACI unless the store has it (skiff's own ACIs are plain tars: hashing the file gives the ID). */
export async function ensureStage1Image(ctx: Ctx, opts: { name?: string; path?: string }): Promise<ImageRecord> {
  const file = opts.path ?? stage1FlavorPath(opts.name ?? DEFAULT_STAGE1_FLAVOR);
  if (!fs.existsSync(file)) {
    throw new SkiffError('STAGE1_INVALID', `stage1 image ${file} does not exist`, {
      hint: opts.path ? 'check --stage1-path' : `this skiff has no ${opts.name ?? DEFAULT_STAGE1_FLAVOR} stage1; build it (npm run build) or use --stage1-name=fly`,
    });
  }
  const id = aciImageId(hashFileRemembered(ctx.dataDir, file, 'sha512').slice('sha512:'.length));
  const existing = readImageRecords(ctx.dataDir).find((r) => r.id === id);
  // The importer loads only the first time (it is not on every `skiff run`'s path).
  const record = existing ?? (await (await import('../../store/import/import-aci.ts')).importAciFile(ctx, file, file));
  checkStage1Manifest(record.manifest, file);
  return record;
}

export function stage1InterfaceVersion(manifest: ImageManifest): string | undefined {
  return labelValue(manifest.annotations, STAGE1_ANNOTATIONS.interfaceVersion);
}

export function stage1Entrypoint(manifest: ImageManifest, which: Stage1Entrypoint): string | undefined {
  return labelValue(manifest.annotations, STAGE1_ANNOTATIONS[which]);
}

/**
 * The run module (rootfs path) stage0 is to load instead of exec'ing `run`: named by the
 * stage1, allowed by its interface version, and not turned off with SKIFF_STAGE1_RUN_MODULE=0.
 */
export function stage1RunModule(manifest: ImageManifest, version: string, env: NodeJS.ProcessEnv): string | undefined {
  const file = labelValue(manifest.annotations, STAGE1_ANNOTATIONS.runModule);
  if (!file || !/\.(mjs|cjs|js)$/.test(file) || env[STAGE1_RUN_MODULE_ENV] === '0') return undefined;
  return versionAtLeast(version, RUN_MODULE_SUPPORT) ? file : undefined;
}

export function checkStage1Manifest(manifest: ImageManifest, what: string): void {
  const version = stage1InterfaceVersion(manifest);
  if (!stage1Entrypoint(manifest, 'run')) {
    throw new SkiffError('STAGE1_INVALID', `${what} is not a stage1 image: its manifest has no ${STAGE1_ANNOTATIONS.run} annotation`);
  }
  if (!version || !/^\d+\.\d+\.\d+/.test(version)) {
    throw new SkiffError('STAGE1_INVALID', `${what} declares no stage1 interface version (${STAGE1_ANNOTATIONS.interfaceVersion})`);
  }
  const [major] = version.split('.');
  const [ours] = STAGE1_INTERFACE_VERSION.split('.');
  if (major !== ours) {
    throw new SkiffError('STAGE1_INVALID', `${what} speaks stage1 interface ${version}; this skiff speaks ${STAGE1_INTERFACE_VERSION}`, {
      hint: 'use a stage1 built for this skiff',
    });
  }
}

/**
 * Whether a semver `version` satisfies `>=X.Y.Z`, the only range form the interface tables use
 * (semver's own parser costs a few ms of every `skiff run`). A pre-release sorts before its release.
 */
export function versionAtLeast(version: string, range: string): boolean {
  const want = /^>=(\d+)\.(\d+)\.(\d+)$/.exec(range);
  if (!want) throw new Error(`unsupported version range ${range}`);
  const have = /^(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/.exec(version);
  if (!have) return false;
  for (let i = 1; i <= 3; i++) {
    const d = Number(have[i]) - Number(want[i]);
    if (d !== 0) return d > 0;
  }
  return have[4] === undefined;
}

/** Drops run options the stage1 does not support (a gate table, not an if-chain), with a warning each. */
export function gateRunOptions(
  version: string,
  options: ReadonlyArray<readonly [string, string | true]>,
  warn: (msg: string) => void,
): string[] {
  const out: string[] = [];
  for (const [name, value] of options) {
    const range = RUN_OPTION_SUPPORT[name];
    if (range === undefined || !versionAtLeast(version, range)) {
      warn(`stage1 interface ${version} does not support --${name}; leaving it out`);
      continue;
    }
    out.push(value === true ? `--${name}` : `--${name}=${value}`);
  }
  return out;
}
