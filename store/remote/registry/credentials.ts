// Registry credentials, from skiff's auth.d (rkt's dockerAuth files with skiffKind)
//   {"skiffKind":"dockerAuth","skiffVersion":"v1","registries":["host:port"],"credentials":{"user":"u","password":"p"}}
// in both config dirs (local winning, an empty local file masking the system one of that name),
// and from docker's config.json (`auths`, as `docker login` writes it), which auth.d overrides.
// Parsers are pure; loadRegistryCredentials does the reading.
import path from 'node:path';
import type { ConfigDirs } from '../../../common/context.ts';
import { SkiffError } from '../../../common/errors.ts';
import * as layout from '../../../common/layout.ts';
import { readAuthConfigFiles, readIfExists } from '../auth-config-files.ts';

export interface BasicCredentials {
  user: string;
  password: string;
  /** The file they came from, for messages (never the secret). */
  from: string;
}

/** Registry (`host[:port]`, Docker Hub as docker.io) → credentials. */
export type CredentialTable = Map<string, BasicCredentials>;

/** `https://index.docker.io/v1/`, `http://host:5000`, `host:5000/` → `docker.io`, `host:5000`. */
export function normalizeRegistryKey(key: string): string {
  const host = key.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '').toLowerCase();
  return host === 'index.docker.io' || host === 'registry-1.docker.io' ? 'docker.io' : host;
}

/** A config file's JSON; an empty file (a mask) is null. */
function parseConfigJson(text: string, file: string): unknown {
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new SkiffError('USAGE', `${file} is not JSON: ${(err as Error).message}`);
  }
}

export function parseDockerConfig(text: string, file: string): CredentialTable {
  const out: CredentialTable = new Map();
  const doc = parseConfigJson(text, file);
  const auths = (doc as { auths?: unknown } | null)?.auths;
  if (auths === undefined || auths === null) return out;
  if (typeof auths !== 'object') throw new SkiffError('USAGE', `${file}: "auths" must be an object`);
  for (const [key, entry] of Object.entries(auths as Record<string, unknown>)) {
    const e = (entry ?? {}) as { auth?: unknown; username?: unknown; password?: unknown };
    let creds: { user: string; password: string } | undefined;
    if (typeof e.auth === 'string' && e.auth !== '') {
      const plain = Buffer.from(e.auth, 'base64').toString('utf8');
      const colon = plain.indexOf(':');
      if (colon <= 0) throw new SkiffError('USAGE', `${file}: the "auth" of ${key} is not base64 of user:password`);
      creds = { user: plain.slice(0, colon), password: plain.slice(colon + 1) };
    } else if (typeof e.username === 'string' && typeof e.password === 'string') {
      creds = { user: e.username, password: e.password };
    }
    // Entries without either (a credential helper's placeholder) give nothing to send.
    if (creds) out.set(normalizeRegistryKey(key), { ...creds, from: file });
  }
  return out;
}

/** One auth.d file's dockerAuth entries (other kinds are skipped: they are for https hosts). */
export function parseDockerAuthFile(text: string, file: string): CredentialTable {
  const out: CredentialTable = new Map();
  const doc = parseConfigJson(text, file);
  const d = (doc ?? {}) as { skiffKind?: unknown; skiffVersion?: unknown; registries?: unknown; credentials?: { user?: unknown; password?: unknown } };
  if (d.skiffKind !== 'dockerAuth') return out;
  const bad = (what: string): SkiffError => new SkiffError('USAGE', `${file}: ${what}`, { hint: 'see docs/registries.md for the auth.d format' });
  if (d.skiffVersion !== 'v1') throw bad('skiffVersion must be "v1"');
  if (!Array.isArray(d.registries) || !d.registries.every((r) => typeof r === 'string' && r !== '')) {
    throw bad('registries must be a list of HOST[:PORT]');
  }
  const c = d.credentials;
  if (typeof c?.user !== 'string' || typeof c.password !== 'string') throw bad('credentials must be {"user": …, "password": …}');
  for (const r of d.registries as string[]) out.set(normalizeRegistryKey(r), { user: c.user, password: c.password, from: file });
  return out;
}

/**
 * Every registry credential this user has: docker's config.json ($DOCKER_CONFIG/config.json,
 * else ~/.docker/config.json with HOME from `env`), then auth.d of the system config dir, then
 * of the local one, each later source replacing earlier entries for the same registry.
 */
export function loadRegistryCredentials(config: ConfigDirs, env: Readonly<Record<string, string | undefined>>): CredentialTable {
  const table: CredentialTable = new Map();
  const dockerFile = env.DOCKER_CONFIG ? path.join(env.DOCKER_CONFIG, 'config.json') : env.HOME ? layout.dockerConfigPath(env.HOME) : undefined;
  const dockerText = dockerFile === undefined ? undefined : readIfExists(dockerFile);
  if (dockerFile !== undefined && dockerText !== undefined) mergeInto(table, parseDockerConfig(dockerText, dockerFile));
  for (const { file, text } of readAuthConfigFiles(config)) mergeInto(table, parseDockerAuthFile(text, file));
  return table;
}

function mergeInto(table: CredentialTable, from: CredentialTable): void {
  for (const [k, v] of from) table.set(k, v);
}
