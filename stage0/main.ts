// stage0's entry point: the only place (with each stage1 main) that maps errors to exit codes
// and to the one-line `skiff: …` message.
import type { CodeCache } from '../common/code-cache.ts';
import { SkiffError, formatErrorLine } from '../common/errors.ts';
import { createRootLogger, type LogFormat } from '../common/log.ts';
import { createOut } from './output.ts';
import { COMMANDS, COMMAND_NAMES, POD_ARGV_COMMANDS } from './commands/index.ts';
import { addGlobalOptions, GLOBAL_OPTION_WORD } from './global-options.ts';
import { parseFetchFastPath, parseRunFastPath } from './fast-path.ts';
import type { SkiffCommand } from './command.ts';
import { splitApps } from './pod/split-apps.ts';

const MIN_NODE = [22, 15] as const;

/** Commands whose own status is the app's: skiff's failures use podman's 125. */
const PASSTHROUGH_COMMANDS = new Set(['run', 'run-prepared']);

function nodeIsTooOld(version: string): boolean {
  const [maj = 0, min = 0] = version.replace(/^v/, '').split('.').map(Number);
  return maj < MIN_NODE[0] || (maj === MIN_NODE[0] && min < MIN_NODE[1]);
}

/** Reads --debug/--log-format before yargs runs, so the logger exists for everything after. */
function scanLogFlags(argv: readonly string[]): { debug: boolean; format: LogFormat } {
  let debug = false;
  let format: LogFormat = 'pretty';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    if (a === '--debug' || a === '--debug=true') debug = true;
    else if (a === '--log-format=json' || (a === '--log-format' && argv[i + 1] === 'json')) format = 'json';
  }
  return { debug, format };
}

/**
 * `run` and `prepare` take rkt-shaped words (IMAGE [app opts] [-- ARGS] [--- IMAGE2 …]) that
 * yargs cannot parse: yargs sees only the global options, the handler gets the words.
 */
function splitPodArgv(argv: readonly string[], commandAt: number): { yargsArgv: string[]; podArgv: string[] | undefined } {
  const command = argv[commandAt];
  if (command === undefined || !POD_ARGV_COMMANDS.has(command)) return { yargsArgv: [...argv], podArgv: undefined };
  const words = argv.slice(commandAt + 1);
  const firstImage = words.findIndex((w) => !w.startsWith('-'));
  const beforeImage = firstImage === -1 ? words : words.slice(0, firstImage);
  if (beforeImage.includes('--help') || beforeImage.includes('-h')) return { yargsArgv: [...argv], podArgv: undefined };
  const globals = splitApps(words).podArgs.filter((w) => GLOBAL_OPTION_WORD.test(w));
  return { yargsArgv: [...argv.slice(0, commandAt + 1), ...globals], podArgv: words };
}

/** What the launcher (stage0/launcher.ts) hands the bundle it starts. */
export interface Launch {
  /** Set when the bundle was loaded through it (the path bundles): see Ctx.codeCache. */
  codeCache?: CodeCache;
}

export async function main(argv: readonly string[], launch: Launch = {}): Promise<number> {
  const flags = scanLogFlags(argv);
  if (nodeIsTooOld(process.version)) {
    process.stderr.write(`skiff: Node ${process.version} is too old; skiff needs Node >= ${MIN_NODE.join('.')} (run ./setup to provision Node 24)\n`);
    return 1;
  }
  const log = await createRootLogger({ debug: flags.debug, format: flags.format, name: 'skiff' });
  const out = createOut();
  const commandAt = argv.findIndex((a) => COMMAND_NAMES.has(a));
  const commandName = commandAt === -1 ? '' : argv[commandAt]!;
  try {
    const { yargsArgv, podArgv } = splitPodArgv(argv, commandAt);
    const fetchFast = parseFetchFastPath(argv, commandAt, process.env);
    if (fetchFast) {
      const { default: fetch } = await import('./commands/fetch.ts');
      await fetch.handler({ ...fetchFast, $env: { out, log, podArgv: undefined, codeCache: launch.codeCache }, _: ['fetch'] });
      return Number(process.exitCode ?? 0);
    }
    const fast = podArgv ? parseRunFastPath(argv, commandAt, process.env) : undefined;
    if (fast) {
      // Globals given after `run` (skiff run --insecure-options=image x.aci) come with the pod words.
      const { default: run } = await import('./commands/run.ts');
      for (const w of yargsArgv.slice(commandAt + 1)) {
        const m = GLOBAL_OPTION_WORD.exec(w);
        if (m?.[1] === 'insecure-options' && m[2]) fast['insecure-options'].push(m[2]);
        else if (m?.[1] === 'dir' && m[2]) fast.dir = m[2];
        else if ((m?.[1] === 'local-config' || m?.[1] === 'system-config') && m[2]) fast[m[1]] = m[2];
        else if (m?.[1] === 'debug') fast.debug = true;
      }
      await run.handler({ ...fast, $env: { out, log, podArgv, codeCache: launch.codeCache }, _: ['run'] } as never);
      return Number(process.exitCode ?? 0);
    }
    const { default: yargs } = await import('yargs');
    let y = addGlobalOptions(yargs(yargsArgv))
      .scriptName('skiff')
      .usage('skiff [global options] <command>\n\nA daemonless, staged pod launcher for Linux.')
      .middleware((a) => {
        (a as Record<string, unknown>).$env = { out, log, podArgv, codeCache: launch.codeCache };
      })
      .strictCommands()
      .strictOptions()
      .demandCommand(1, 'give a command; see skiff --help')
      .recommendCommands()
      .help()
      .alias('help', 'h')
      .version(false)
      .wrap(Math.min(100, process.stdout.columns || 100))
      .exitProcess(false)
      .fail((msg, err) => {
        throw err ?? new SkiffError('USAGE', msg.charAt(0).toLowerCase() + msg.slice(1), { hint: 'see --help' });
      });
    for (const cmd of COMMANDS as readonly SkiffCommand<never>[]) {
      y = y.command(cmd as never);
    }
    await y.parseAsync();
    return Number(process.exitCode ?? 0);
  } catch (err) {
    log.debug({ err }, 'command failed');
    process.stderr.write(`${formatErrorLine(err)}\n`);
    if (flags.debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    return PASSTHROUGH_COMMANDS.has(commandName) ? 125 : 1;
  }
}
