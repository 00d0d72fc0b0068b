// Every top-level command. Command files are light: their handlers import the library lazily.
import type { SkiffCommand } from '../command.ts';
import fetch from './fetch.ts';
import image from './image.ts';
import version from './version.ts';

export const COMMANDS = [fetch, image, version] as readonly SkiffCommand<never>[];
export const COMMAND_NAMES: ReadonlySet<string> = new Set(['fetch', 'image', 'version']);
