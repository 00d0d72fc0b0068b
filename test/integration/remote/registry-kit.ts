// What the registry integration tests share: skiff run with private config dirs (never
// /etc/skiff) and a clean environment (an empty HOME, no proxies, no DOCKER_CONFIG unless the
// test sets them), and the digests of an OCI layout's image, to check what was downloaded.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runSkiff } from '../../helpers/cli.ts';
import type { RunResult } from '../../helpers/cli.ts';

export type Env = Record<string, string | undefined>;

export interface SkiffEnv {
  /** --local-config */
  local: string;
  /** --system-config */
  system: string;
  /** An empty HOME for the skiff child (no ~/.docker/config.json unless a test writes one). */
  home: string;
  run(dataDir: string, args: readonly string[], env?: Env): Promise<RunResult>;
  /** `--insecure-options=INSECURE fetch [FETCHARGS…] REF` (default insecure: image,http). */
  fetch(dataDir: string, ref: string, o?: { insecure?: string; args?: readonly string[]; env?: Env }): Promise<RunResult>;
}

/** Config dirs and HOME under `dir` (created). */
export function skiffEnv(dir: string): SkiffEnv {
  const local = path.join(dir, 'config-local');
  const system = path.join(dir, 'config-system');
  const home = path.join(dir, 'home');
  for (const d of [local, system, home]) fs.mkdirSync(d, { recursive: true });
  const clean: Env = {
    HOME: home, DOCKER_CONFIG: undefined, HTTPS_PROXY: undefined, HTTP_PROXY: undefined, NO_PROXY: undefined,
    https_proxy: undefined, http_proxy: undefined, no_proxy: undefined, ALL_PROXY: undefined, all_proxy: undefined,
  };
  const run = (dataDir: string, args: readonly string[], env: Env = {}): Promise<RunResult> =>
    runSkiff(['--local-config', local, '--system-config', system, ...args], { dataDir, env: { ...clean, ...env } });
  return {
    local, system, home, run,
    fetch: (dataDir, ref, o = {}) => {
      const insecure = o.insecure ?? 'image,http';
      return run(dataDir, [...(insecure ? [`--insecure-options=${insecure}`] : []), 'fetch', ...(o.args ?? []), ref], o.env);
    },
  };
}

/** A command that must succeed: returns stdout; the message carries stderr. */
export function ok(res: RunResult, what: string): string {
  if (res.code !== 0) throw new Error(`${what}: exit ${res.code}: ${res.stderr}`);
  return res.stdout;
}

/** Manifest, config and layer digests of an OCI layout's image `tag`. */
export function layoutDigests(ociDir: string, tag: string): { manifest: string; config: string; layers: string[] } {
  const index = JSON.parse(fs.readFileSync(path.join(ociDir, 'index.json'), 'utf8')) as { manifests: { digest: string; annotations?: Record<string, string> }[] };
  const desc = index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag);
  if (!desc) throw new Error(`no tag ${tag} in ${ociDir}`);
  const manifest = JSON.parse(fs.readFileSync(path.join(ociDir, 'blobs', ...desc.digest.split(':')), 'utf8')) as { config: { digest: string }; layers: { digest: string }[] };
  return { manifest: desc.digest, config: manifest.config.digest, layers: manifest.layers.map((l) => l.digest) };
}

/** The registry writes its access-log line after the response: give it a moment. */
export const settleLog = (): Promise<void> => sleep(300);
