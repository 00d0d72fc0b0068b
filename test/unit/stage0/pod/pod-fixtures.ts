// Loads test/fixtures/pods: image manifests and command-line cases with their golden
// pod manifests. Set UPDATE_GOLDEN=1 to rewrite the goldens after a deliberate change.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ImageManifest } from '../../../../common/appc-types.ts';

export const podFixturesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../fixtures/pods');

export interface PodCase {
  name: string;
  description: string;
  argv: string[];
  /** Image word on the command line → fixture image key (images/<key>.json). */
  images: Record<string, string>;
  hostEnv: Record<string, string>;
  envFile?: string;
}

function readJson(file: string): unknown {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

export function loadImage(key: string): { id: string; manifest: ImageManifest } {
  const ids = readJson(path.join(podFixturesDir, 'images', 'ids.json')) as Record<string, string>;
  const id = ids[key];
  if (id === undefined) throw new Error(`no id for fixture image ${key}`);
  return { id, manifest: readJson(path.join(podFixturesDir, 'images', `${key}.json`)) as ImageManifest };
}

export function loadCases(): PodCase[] {
  const dir = path.join(podFixturesDir, 'cases');
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json') && !f.endsWith('.expected.json'))
    .sort()
    .map((f) => ({ name: f.replace(/\.json$/, ''), ...(readJson(path.join(dir, f)) as Omit<PodCase, 'name'>) }));
}

/** Compares against cases/<name>.expected.json, or writes it when UPDATE_GOLDEN=1. */
export function readGolden(name: string, actual: unknown): unknown {
  const file = path.join(podFixturesDir, 'cases', `${name}.expected.json`);
  if (process.env['UPDATE_GOLDEN'] === '1') fs.writeFileSync(file, `${JSON.stringify(actual, null, 2)}\n`);
  return readJson(file);
}
