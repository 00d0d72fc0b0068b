// Every top-level command. Command files are light: their handlers import the library lazily.
import type { SkiffCommand } from '../command.ts';
import catManifest from './cat-manifest.ts';
import enter from './enter.ts';
import fetch from './fetch.ts';
import gc from './gc.ts';
import image from './image.ts';
import list from './list.ts';
import logs from './logs.ts';
import prepare from './prepare.ts';
import rm from './rm.ts';
import run from './run.ts';
import runPrepared from './run-prepared.ts';
import status from './status.ts';
import stop from './stop.ts';
import trust from './trust.ts';
import version from './version.ts';

export const COMMANDS = [fetch, trust, image, prepare, run, runPrepared, status, list, logs, enter, stop, rm, gc, catManifest, version] as readonly SkiffCommand<never>[];
export const COMMAND_NAMES: ReadonlySet<string> = new Set([
  'fetch', 'trust', 'image', 'prepare', 'run', 'run-prepared', 'status', 'list', 'logs', 'enter', 'stop', 'rm', 'gc', 'cat-manifest', 'version',
]);
/** Commands whose words after the command name are rkt-shaped pod argv, not yargs options. */
export const POD_ARGV_COMMANDS: ReadonlySet<string> = new Set(['prepare', 'run']);
