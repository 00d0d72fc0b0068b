// The context every library call takes explicitly (libcrun_context_t, pnpm's createCafs(storeDir, opts)):
// no module-level state anywhere in skiff.
import { SkiffError } from './errors.ts';
import type { CodeCache } from './code-cache.ts';
import type { Host } from './host.ts';
import type { Logger } from './log.ts';

export const INSECURE_OPTIONS = ['image', 'ondisk', 'http', 'tls', 'capabilities', 'paths', 'seccomp'] as const;
export type InsecureOption = (typeof INSECURE_OPTIONS)[number];
export type InsecureOptions = Readonly<Record<InsecureOption, boolean>>;

export interface Limits {
  /** Largest uncompressed image (sum of entry sizes, and of decompressed bytes). */
  maxImageBytes: number;
  /** Most entries one archive may hold. */
  maxEntries: number;
  /** Largest JSON document (manifest, config, index) read into memory. */
  maxManifestBytes: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxImageBytes: 64 * 1024 ** 3,
  maxEntries: 2_000_000,
  maxManifestBytes: 4 * 1024 * 1024,
};

/** Long work reports through this; the CLI draws it on a TTY, libraries pass nothing. */
export interface Progress {
  start(label: string, total?: number): void;
  advance(bytes: number): void;
  done(): void;
  /**
   * One line of its own for each of several transfers running at once (a pull's layers), under
   * the overall line, whose count includes their bytes. Optional: without it, callers advance()
   * the overall line.
   */
  item?(label: string, total?: number): ProgressItem;
}

export interface ProgressItem {
  advance(bytes: number): void;
  /** `note` replaces the byte count on the finished line ("already stored"). */
  done(note?: string): void;
}

/** rkt's two config dirs: files in `local` override (or, when empty, mask) those in `system`. */
export interface ConfigDirs {
  local: string;
  system: string;
}

export interface Ctx {
  dataDir: string;
  config: ConfigDirs;
  log: Logger;
  host: Host;
  insecure: InsecureOptions;
  limits: Limits;
  progress?: Progress;
  /**
   * How this process loads the CommonJS code it runs in-process (a stage1's run module), and
   * saves what V8 compiled of it before an execve. Absent: plain require, nothing kept.
   */
  codeCache?: CodeCache;
}

/** Parses `--insecure-options=image,ondisk` (and `all`). */
export function parseInsecureOptions(value: string | readonly string[] | undefined): InsecureOptions {
  const out = Object.fromEntries(INSECURE_OPTIONS.map((o) => [o, false])) as Record<InsecureOption, boolean>;
  const items = (Array.isArray(value) ? value : [value ?? ''])
    .flatMap((v: string) => v.split(','))
    .map((s) => s.trim())
    .filter(Boolean);
  for (const item of items) {
    if (item === 'all') {
      for (const o of INSECURE_OPTIONS) out[o] = true;
    } else if ((INSECURE_OPTIONS as readonly string[]).includes(item)) {
      out[item as InsecureOption] = true;
    } else {
      throw new SkiffError('USAGE', `unknown --insecure-options value ${JSON.stringify(item)}`, {
        hint: `choose from ${[...INSECURE_OPTIONS, 'all'].join(', ')}`,
      });
    }
  }
  return out;
}
