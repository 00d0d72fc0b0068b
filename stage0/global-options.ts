// Options every command accepts, and turning them into the library context.
import path from 'node:path';
import type { Argv } from 'yargs';
import type { CodeCache } from '../common/code-cache.ts';
import type { Ctx } from '../common/context.ts';
import { DEFAULT_LIMITS, parseInsecureOptions } from '../common/context.ts';
import { DEFAULT_DATA_DIR, DEFAULT_LOCAL_CONFIG_DIR, DEFAULT_SYSTEM_CONFIG_DIR } from '../common/layout.ts';
import type { LogFormat, Logger } from '../common/log.ts';
import { createLinuxHost } from '../common/host-linux.ts';
import type { Out } from './output.ts';

/** Every global option, by name: the yargs definitions below and the parsers that skip yargs use it. */
export const GLOBAL_OPTION_NAMES = ['dir', 'local-config', 'system-config', 'insecure-options', 'debug', 'log-format'] as const;

/** `--NAME` or `--NAME=VALUE` of a global option: group 1 the name, group 2 the value after `=`. */
export const GLOBAL_OPTION_WORD = new RegExp(`^--(${GLOBAL_OPTION_NAMES.join('|')})(?:=(.*))?$`);

export interface GlobalArgs {
  dir: string;
  'local-config'?: string;
  'system-config'?: string;
  'insecure-options': string[];
  debug: boolean;
  'log-format': LogFormat;
}

export function addGlobalOptions<T>(y: Argv<T>): Argv<T & GlobalArgs> {
  return y
    .option('dir', { type: 'string', default: process.env.SKIFF_DIR ?? DEFAULT_DATA_DIR, describe: 'skiff data directory', global: true })
    .option('local-config', { type: 'string', describe: `local configuration directory (trusted keys, auth.d, certs.d; default ${DEFAULT_LOCAL_CONFIG_DIR})`, global: true })
    .option('system-config', { type: 'string', describe: `system configuration directory, overridden by the local one (default ${DEFAULT_SYSTEM_CONFIG_DIR})`, global: true })
    .option('insecure-options', {
      type: 'string',
      // Not `array: true`: that would swallow the command and its arguments after it.
      coerce: (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]),
      default: [] as string[],
      describe: 'comma-separated checks to skip: image, ondisk, http, tls, capabilities, paths, seccomp, all',
      global: true,
    })
    .option('debug', { type: 'boolean', default: false, describe: 'log debug output and stack traces', global: true })
    .option('log-format', { choices: ['pretty', 'json'] as const, default: 'pretty' as LogFormat, describe: 'stderr log format', global: true }) as unknown as Argv<T & GlobalArgs>;
}

/** What every handler receives besides its own arguments. */
export interface CommandEnv {
  out: Out;
  log: Logger;
  /** For run/prepare: the words after the command, for the pod argv pre-parser. */
  podArgv: string[] | undefined;
  /** The launcher's code cache (stage0/launcher.ts), for the path bundles; see Ctx.codeCache. */
  codeCache?: CodeCache;
}

export function createCtx(args: GlobalArgs, log: Logger, codeCache?: CodeCache): Ctx {
  return {
    // Absolute: stage0 changes into the pod directory before it execs stage1.
    dataDir: path.resolve(args.dir),
    config: {
      local: path.resolve(args['local-config'] ?? DEFAULT_LOCAL_CONFIG_DIR),
      system: path.resolve(args['system-config'] ?? DEFAULT_SYSTEM_CONFIG_DIR),
    },
    log,
    host: createLinuxHost(),
    insecure: parseInsecureOptions(args['insecure-options']),
    limits: { ...DEFAULT_LIMITS },
    ...(codeCache ? { codeCache } : {}),
  };
}
