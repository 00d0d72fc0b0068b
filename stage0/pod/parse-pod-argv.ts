// The raw words after `prepare`/`run`, parsed: the pod options, then each app's image,
// options and args. Static imports: this module is only loaded on those two paths.
import type { PrepareOptions } from '../pods/prepare.ts';
import { parseAppOptions } from './app-options.ts';
import { parsePodOptions } from './pod-options.ts';
import { splitApps } from './split-apps.ts';

/** `env` is the host environment an app may inherit (--inherit-env), less the launcher's own variable. */
export function parsePodArgv(words: readonly string[], env: Readonly<Record<string, string | undefined>>): PrepareOptions {
  const split = splitApps(words);
  const pod = parsePodOptions(split.podArgs);
  return {
    pod,
    apps: split.apps.map((a) => ({ image: a.image, options: parseAppOptions(a.appArgs), execArgs: a.execArgs })),
    hostEnv: Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && e[0] !== 'SKIFF_STDIN_FD')),
  };
}
