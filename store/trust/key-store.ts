// The trusted key store, laid out as rkt's: <config>/trustedkeys/root.d/<fingerprint> and
// <config>/trustedkeys/prefix.d/<prefix…>/<fingerprint>, one armored public key per file, in
// two config dirs. A local file overrides the system one of the same scope and fingerprint; an
// empty local file masks it (that is how `trust rm` removes a key shipped by the distribution,
// whose files skiff must not edit). No OpenPGP parsing here: this module only moves files.
import fs from 'node:fs';
import path from 'node:path';
import type { ConfigDirs } from '../../common/context.ts';
import { SkiffError, wrap } from '../../common/errors.ts';
import * as layout from '../../common/layout.ts';
import { writeFileAtomic } from '../../common/write-atomic.ts';
import { isFingerprint, trustPrefixesFor, type TrustScope } from './trust-names.ts';

export type KeyOrigin = 'local' | 'system';

export interface TrustedKeyFile {
  fingerprint: string;
  scope: TrustScope;
  origin: KeyOrigin;
  path: string;
}

export function scopeDir(configDir: string, scope: TrustScope): string {
  return scope.kind === 'root' ? layout.trustedKeysRootDir(configDir) : layout.trustedKeysPrefixDir(configDir, scope.prefix);
}

/** Fingerprint-named files in one directory (temp files of an interrupted write start with a dot). */
function keyFilesIn(dir: string): Map<string, { path: string; empty: boolean }> {
  const out = new Map<string, { path: string; empty: boolean }>();
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return out;
    throw wrap(err, `reading trusted keys in ${dir}`);
  }
  for (const e of entries) {
    if (!isFingerprint(e.name) || e.isDirectory()) continue;
    const file = path.join(dir, e.name);
    out.set(e.name, { path: file, empty: fs.statSync(file).size === 0 });
  }
  return out;
}

/** The effective keys of one scope: local over system, empty local files masking. */
export function keysInScope(config: ConfigDirs, scope: TrustScope): TrustedKeyFile[] {
  const system = keyFilesIn(scopeDir(config.system, scope));
  const local = keyFilesIn(scopeDir(config.local, scope));
  const out: TrustedKeyFile[] = [];
  for (const [fingerprint, f] of local) {
    if (!f.empty) out.push({ fingerprint, scope, origin: 'local', path: f.path });
  }
  for (const [fingerprint, f] of system) {
    if (!local.has(fingerprint) && !f.empty) out.push({ fingerprint, scope, origin: 'system', path: f.path });
  }
  return out.sort((a, b) => a.fingerprint.localeCompare(b.fingerprint));
}

/** Keys that may sign an image called `imageName`: its prefixes, most specific first, then root. */
export function keysForImage(config: ConfigDirs, imageName: string): TrustedKeyFile[] {
  const scopes: TrustScope[] = [...trustPrefixesFor(imageName).map((prefix): TrustScope => ({ kind: 'prefix', prefix })), { kind: 'root' }];
  return scopes.flatMap((scope) => keysInScope(config, scope));
}

/** Every prefix that has a directory under prefix.d in either config dir. */
function prefixesOnDisk(config: ConfigDirs): string[] {
  const found = new Set<string>();
  for (const configDir of [config.local, config.system]) {
    const base = layout.trustedKeysPrefixBaseDir(configDir);
    if (!fs.existsSync(base)) continue;
    for (const e of fs.readdirSync(base, { withFileTypes: true, recursive: true })) {
      if (e.isDirectory()) found.add(path.relative(base, path.join(e.parentPath, e.name)).split(path.sep).join('/'));
    }
  }
  return [...found].sort();
}

/** Every effective trusted key, root keys first, then by prefix. */
export function listTrustedKeys(config: ConfigDirs): TrustedKeyFile[] {
  const scopes: TrustScope[] = [{ kind: 'root' }, ...prefixesOnDisk(config).map((prefix): TrustScope => ({ kind: 'prefix', prefix }))];
  return scopes.flatMap((scope) => keysInScope(config, scope));
}

/** Writes an armored public key into the local config dir; returns its path. */
export function writeTrustedKey(config: ConfigDirs, scope: TrustScope, fingerprint: string, armored: string): string {
  const dir = scopeDir(config.local, scope);
  const file = layout.trustedKeyPath(dir, fingerprint);
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
    writeFileAtomic(file, armored, 0o644);
  } catch (err) {
    throw permissionAware(err, `writing trusted key ${file}`);
  }
  return file;
}

export interface RemovedKey {
  scope: TrustScope;
  /** `masked`: the key came from the system dir, so an empty local file now hides it. */
  how: 'removed' | 'masked';
}

/** Removes a key from one scope (or from every scope holding it); refuses a key not trusted anywhere asked. */
export function removeTrustedKey(config: ConfigDirs, fingerprint: string, scope?: TrustScope): RemovedKey[] {
  const held = (scope ? keysInScope(config, scope) : listTrustedKeys(config)).filter((k) => k.fingerprint === fingerprint);
  if (held.length === 0) {
    throw new SkiffError('USAGE', `no trusted key ${fingerprint}${scope?.kind === 'prefix' ? ` for prefix ${scope.prefix}` : scope ? ' among the root keys' : ''}`, {
      hint: 'see `skiff trust list` for the keys and their prefixes',
    });
  }
  const out: RemovedKey[] = [];
  for (const k of held) {
    const localFile = layout.trustedKeyPath(scopeDir(config.local, k.scope), fingerprint);
    const systemFile = layout.trustedKeyPath(scopeDir(config.system, k.scope), fingerprint);
    try {
      if (fs.existsSync(systemFile)) {
        fs.mkdirSync(path.dirname(localFile), { recursive: true, mode: 0o755 });
        writeFileAtomic(localFile, '', 0o644);
        out.push({ scope: k.scope, how: 'masked' });
      } else {
        fs.rmSync(localFile, { force: true });
        out.push({ scope: k.scope, how: 'removed' });
      }
    } catch (err) {
      throw permissionAware(err, `removing trusted key ${localFile}`);
    }
  }
  return out;
}

function permissionAware(err: unknown, context: string): SkiffError {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new SkiffError('NEEDS_ROOT', `${context}: ${code}`, {
      hint: 'trusted keys live in root-owned config; run as root, or name a writable dir with --local-config',
      cause: err,
    });
  }
  return wrap(err, context);
}
