// Builds the library context for a command from its parsed arguments.
import type { Ctx } from '../common/context.ts';
import { createCtx, type GlobalArgs, type CommandEnv } from './global-options.ts';
import { createTtyProgress } from './progress-bar.ts';

export function createCtxFor(args: GlobalArgs & { $env: CommandEnv }, opts: { progress?: boolean } = {}): Ctx {
  const ctx = createCtx(args, args.$env.log, args.$env.codeCache);
  if (opts.progress) {
    const progress = createTtyProgress();
    if (progress) ctx.progress = progress;
  }
  return ctx;
}
