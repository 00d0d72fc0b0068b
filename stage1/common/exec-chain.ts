// The exec chain that turns a process into the app: setpriv sets the gid and supplementary
// groups while still root, unshare then chroots, changes directory and drops the uid, and
// execs the app's command (resolved by execvp with the app's PATH, inside the root). Each
// link execs the next, so the app ends up with the pid (and the open fds) of whoever started
// the chain. Pure, apart from finding the two tools on the host.
import fs from 'node:fs';
import path from 'node:path';
import { SkiffError } from '../../common/errors.ts';
import type { ExecPlan } from './exec-plan.ts';

export interface ChainTools {
  setpriv: string;
  unshare: string;
}

export interface ExecCommand {
  file: string;
  /** argv, argv[0] included. */
  args: string[];
  env: Record<string, string>;
}

/** Where the tools are looked for after stage1's own PATH. */
const FALLBACK_DIRS = ['/usr/bin', '/bin', '/usr/sbin', '/sbin'];

/** Absolute path of a host tool: stage1's PATH, then the usual directories. */
export function findHostTool(name: string, pathEnv: string | undefined): string {
  const dirs = [...(pathEnv ?? '').split(':').filter((d) => d.startsWith('/')), ...FALLBACK_DIRS];
  for (const dir of dirs) {
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {
      // not here; try the next directory
    }
  }
  throw new SkiffError('TOOL_MISSING', `${name} not found on the host (looked in ${[...new Set(dirs)].join(':')})`, {
    hint: 'install the Debian package util-linux (2.38 or later)',
  });
}

export function findChainTools(pathEnv: string | undefined): ChainTools {
  return { setpriv: findHostTool('setpriv', pathEnv), unshare: findHostTool('unshare', pathEnv) };
}

/** `setpriv --regid=G --groups=…|--clear-groups -- unshare --root=R --wd=W --setuid=U -- CMD…` */
export function buildExecChain(plan: ExecPlan, tools: ChainTools): ExecCommand {
  const groups = plan.supplementaryGids.length > 0 ? `--groups=${plan.supplementaryGids.join(',')}` : '--clear-groups';
  return {
    file: tools.setpriv,
    args: [
      tools.setpriv,
      `--regid=${plan.gid}`,
      groups,
      '--',
      tools.unshare,
      `--root=${plan.root}`,
      `--wd=${plan.workingDirectory}`,
      `--setuid=${plan.uid}`,
      '--',
      ...plan.argv,
    ],
    env: plan.env,
  };
}

/** One word for a POSIX shell: single-quoted, with `'` as `'\''`. */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * The command as shell words, run with exactly its environment through `env -i`, for a
 * shell to `eval "exec $words"` (the fly run entrypoint; see stage1/fly/run.sh).
 */
export function shellExecWords(cmd: ExecCommand, envTool: string): string {
  const words = [envTool, '-i', '--', ...Object.entries(cmd.env).map(([k, v]) => `${k}=${v}`), ...cmd.args];
  return words.map(shellQuote).join(' ');
}
