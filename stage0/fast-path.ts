// The commands scripts and units run most, `run` and `fetch`, skip yargs when their words are
// plain: loading yargs and laying out its help costs ~40 ms of each start-up. These parsers
// accept only what yargs would read the same way and return undefined for anything else
// (--help, an unknown or repeated option, a missing value), which then takes the yargs path,
// so usage errors and help keep a single source.
import { DEFAULT_DATA_DIR } from '../common/layout.ts';
import { PULL_POLICIES, type PullPolicy } from '../store/pull-policy.ts';
import { GLOBAL_OPTION_WORD, type GlobalArgs } from './global-options.ts';

/**
 * Applies one global option at words[i] to args; returns the index of the last word it used,
 * or undefined when the word is not a global option yargs would read the same way.
 */
function takeGlobal(words: readonly string[], i: number, args: GlobalArgs): number | undefined {
  const m = GLOBAL_OPTION_WORD.exec(words[i]!);
  if (!m) return undefined;
  const name = m[1]!;
  if (name === 'debug') {
    if (m[2] !== undefined && m[2] !== 'true') return undefined;
    args.debug = true;
    return i;
  }
  let next = i;
  const value = m[2] ?? words[++next];
  if (value === undefined || (m[2] === undefined && value.startsWith('-'))) return undefined;
  if (name === 'dir') args.dir = value;
  else if (name === 'local-config' || name === 'system-config') args[name] = value;
  else if (name === 'insecure-options') args['insecure-options'].push(value);
  else if (value === 'json' || value === 'pretty') args['log-format'] = value;
  else return undefined;
  return next;
}

/** The global options before the command, as yargs would give them; undefined if unusual. */
export function parseGlobalHead(head: readonly string[], env: Readonly<Record<string, string | undefined>>): GlobalArgs | undefined {
  const args: GlobalArgs = { dir: env.SKIFF_DIR ?? DEFAULT_DATA_DIR, 'insecure-options': [], debug: false, 'log-format': 'pretty' };
  for (let i = 0; i < head.length; i++) {
    const used = takeGlobal(head, i, args);
    if (used === undefined) return undefined;
    i = used;
  }
  return args;
}

/**
 * `skiff [global options] run …`: `run` parses its own words, so only the global options
 * before it are read here (those after it come with the pod words).
 */
export function parseRunFastPath(argv: readonly string[], commandAt: number, env: Readonly<Record<string, string | undefined>>): GlobalArgs | undefined {
  if (argv[commandAt] !== 'run') return undefined;
  return parseGlobalHead(argv.slice(0, commandAt), env);
}

export interface FetchFastArgs extends GlobalArgs {
  images: string[];
  'pull-policy': PullPolicy;
  platform?: string;
  signature?: string;
  'max-image-size'?: string;
}

const FETCH_OPTION = /^--(pull-policy|platform|signature|max-image-size)(?:=(.*))?$/;

/** `skiff [global options] fetch [options] IMAGE…` with global options anywhere, as yargs reads them. */
export function parseFetchFastPath(argv: readonly string[], commandAt: number, env: Readonly<Record<string, string | undefined>>): FetchFastArgs | undefined {
  if (argv[commandAt] !== 'fetch') return undefined;
  const globals = parseGlobalHead(argv.slice(0, commandAt), env);
  if (!globals) return undefined;
  const args: FetchFastArgs = { ...globals, images: [], 'pull-policy': 'update' };
  const seen = new Set<string>();
  const words = argv.slice(commandAt + 1);
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (!w.startsWith('-')) {
      args.images.push(w);
      continue;
    }
    const m = FETCH_OPTION.exec(w);
    if (!m) {
      const used = takeGlobal(words, i, args);
      if (used === undefined) return undefined;
      i = used;
      continue;
    }
    const name = m[1]!;
    const value = m[2] ?? words[++i];
    // yargs makes a repeated option an array: leave that (and its error) to yargs.
    if (value === undefined || (m[2] === undefined && value.startsWith('-')) || seen.has(name)) return undefined;
    seen.add(name);
    if (name === 'pull-policy') {
      const policy = PULL_POLICIES.find((p) => p === value);
      if (!policy) return undefined;
      args['pull-policy'] = policy;
    } else if (name === 'platform') args.platform = value;
    else if (name === 'signature') args.signature = value;
    else args['max-image-size'] = value;
  }
  return args.images.length > 0 ? args : undefined;
}
