// The argv pre-parser for `skiff prepare|run` (rkt's parseApps):
//
//   [pod opts] IMAGE [app opts] [-- ARGS...] [--- IMAGE2 [app opts] [-- ARGS...]] ...
//
// Pod options come before the first image and app options after their image. `--` starts
// the app's arguments, which run to `---` or the end, and may hold anything, `--` included.
// `---` closes an app; the next image also starts a new app without it. Every option comes
// out normalized as `--name=value`, so the option parsers never see the `--name value`
// form and never have to guess which token is a value.
import { SkiffError } from '../../common/errors.ts';
import { lookupOption, parseBoolValue, splitOptionToken } from './option-table.ts';
import type { OptionSpec } from './option-table.ts';

export interface SplitApp {
  image: string;
  /** Normalized `--name=value` app options, in order. */
  appArgs: string[];
  /** The words after `--`; undefined when there was no `--` (keep the image's arguments). */
  execArgs: string[] | undefined;
}

export interface SplitArgs {
  /** Normalized `--name=value` pod and global options, in order. */
  podArgs: string[];
  apps: SplitApp[];
}

const USAGE_LINE = 'skiff run [pod opts] IMAGE [app opts] [-- ARGS...] [--- IMAGE2 ...]';

interface Cursor {
  argv: readonly string[];
  i: number;
}

function takeValue(cur: Cursor, name: string, inline: string | undefined, spec: OptionSpec): string {
  if (inline !== undefined) {
    if (spec.arity === 'bool') parseBoolValue(name, inline);
    return inline;
  }
  const next = cur.argv[cur.i + 1];
  switch (spec.arity) {
    case 'bool':
      if (spec.separateBool && (next === 'true' || next === 'false')) {
        cur.i += 1;
        return next;
      }
      return 'true';
    case 'optional':
      return spec.bare ?? '';
    case 'value':
      if (next === undefined || next === '--' || next === '---') {
        throw new SkiffError('USAGE', `--${name} needs a value: --${name}=VALUE`);
      }
      cur.i += 1;
      return next;
  }
}

function unknownOption(token: string, image: string | undefined): SkiffError {
  return image === undefined
    ? new SkiffError('USAGE', `unknown option ${token}: see skiff run --help for the pod options`)
    : new SkiffError('USAGE', `unknown app option ${token} after image ${JSON.stringify(image)}: see skiff run --help`);
}

function checkImagesGiven(out: SplitArgs): void {
  const has = (name: string): boolean => out.podArgs.some((a) => a.startsWith(`--${name}=`));
  if (has('help')) return;
  if (has('pod-manifest') && out.apps.length > 0) {
    throw new SkiffError('USAGE', '--pod-manifest already names the images: give either --pod-manifest or images, not both');
  }
  if (!has('pod-manifest') && out.apps.length === 0) {
    throw new SkiffError('USAGE', `no image given: ${USAGE_LINE}`);
  }
}

/** Splits `prepare`/`run` argv (after the command name) into pod options and apps. */
export function splitApps(argv: readonly string[]): SplitArgs {
  const out: SplitArgs = { podArgs: [], apps: [] };
  // The app that options and `--` attach to; undefined before the first image and after `---`.
  let open: SplitApp | undefined;
  let inExecArgs = false;
  const cur: Cursor = { argv, i: 0 };

  for (; cur.i < argv.length; cur.i += 1) {
    const token = argv[cur.i] ?? '';
    if (inExecArgs && open) {
      if (token === '---') {
        inExecArgs = false;
        open = undefined;
      } else {
        open.execArgs?.push(token); // empty strings are real arguments here
      }
      continue;
    }
    // An empty word outside app arguments is an unset shell variable; skip it (rkt).
    if (token === '') continue;
    if (token === '--') {
      if (!open) throw new SkiffError('USAGE', `"--" must follow an image: ${USAGE_LINE}`);
      open.execArgs = [];
      inExecArgs = true;
      continue;
    }
    if (token === '---') {
      if (out.apps.length === 0) throw new SkiffError('USAGE', `"---" separates apps: put an image before it (${USAGE_LINE})`);
      open = undefined;
      continue;
    }
    const opt = splitOptionToken(token);
    if (!opt) {
      if (token.startsWith('-')) throw unknownOption(token, open?.image);
      open = { image: token, appArgs: [], execArgs: undefined };
      out.apps.push(open);
      continue;
    }
    const spec = lookupOption(opt.name);
    if (!spec) throw unknownOption(token, open?.image ?? out.apps.at(-1)?.image);
    if (spec.scope === 'pod' && out.apps.length > 0) {
      throw new SkiffError('USAGE', `--${opt.name} is a pod option: put it before the first image`);
    }
    if (spec.scope === 'app' && !open) {
      const where = out.apps.length === 0 ? 'an image' : 'an image, not "---"';
      throw new SkiffError('USAGE', `--${opt.name} is an app option and must follow ${where}: ${USAGE_LINE}`);
    }
    const normalized = `--${opt.name}=${takeValue(cur, opt.name, opt.value, spec)}`;
    if (spec.scope === 'app' && open) open.appArgs.push(normalized);
    else out.podArgs.push(normalized);
  }
  checkImagesGiven(out);
  return out;
}
