// The files of auth.d in both config dirs, in the order they apply: the system dir's first,
// then the local dir's, where a local file replaces (or, empty, masks) the system file of the
// same name. Registry credentials (skiffKind dockerAuth) and https host credentials (auth) are
// read from this one listing.
import fs from 'node:fs';
import path from 'node:path';
import type { ConfigDirs } from '../../common/context.ts';
import { SkiffError } from '../../common/errors.ts';
import * as layout from '../../common/layout.ts';

export interface AuthConfigFile {
  file: string;
  text: string;
}

export function readAuthConfigFiles(config: ConfigDirs): AuthConfigFile[] {
  const systemDir = layout.authConfigDir(config.system);
  const localDir = layout.authConfigDir(config.local);
  const localNames = jsonFilesIn(localDir);
  const systemNames = jsonFilesIn(systemDir).filter((n) => !localNames.includes(n));
  return [
    ...systemNames.map((n) => path.join(systemDir, n)),
    ...localNames.map((n) => path.join(localDir, n)),
  ].flatMap((file) => {
    const text = readIfExists(file);
    return text === undefined ? [] : [{ file, text }];
  });
}

/** The value of an Authorization header for user and password. */
export function basicAuthorization(c: { user: string; password: string }): string {
  return `Basic ${Buffer.from(`${c.user}:${c.password}`).toString('base64')}`;
}

function jsonFilesIn(dir: string): string[] {
  try {
    return fs.readdirSync(dir).filter((n) => n.endsWith('.json')).sort();
  } catch {
    return [];
  }
}

export function readIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new SkiffError('IO', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err });
  }
}
