// Loading a stage1's run module into this process (docs/stage1-interface.md, "The run
// module"): the stage1 prepares the pod here, with no Node start-up of its own, and names the
// program stage0 then execs. The module is code from the stage1 image, which stage0 trusts
// exactly as far as the run entrypoint it would otherwise exec. A CommonJS one (`.cjs`) goes
// through the launcher's code cache (common/code-cache.ts), so what V8 compiled of it in one
// run is kept for the next; an ES module is imported.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { Ctx } from '../../common/context.ts';
import { SkiffError } from '../../common/errors.ts';
import type { Stage1RunModule, Stage1RunRequest, Stage1RunResult } from '../../common/stage1-interface.ts';

/**
 * Loads the module: `.cjs` as CommonJS, else as an ES module; both through the code cache
 * when this process has one (then it is itself code the cache loaded, which cannot import()).
 */
async function loadRunModule(ctx: Ctx, file: string): Promise<unknown> {
  if (file.endsWith('.cjs')) return ctx.codeCache ? ctx.codeCache.load(file) : createRequire(file)(file);
  const url = pathToFileURL(file).href;
  return ctx.codeCache ? ctx.codeCache.import(url) : import(url);
}

function isRunModule(mod: unknown): mod is Stage1RunModule {
  return typeof mod === 'object' && mod !== null && typeof (mod as { prepareRun?: unknown }).prepareRun === 'function';
}

/** Checks what prepareRun resolved to, so a broken stage1 fails in one line, not in execve. */
export function checkRunResult(result: unknown, file: string): Stage1RunResult {
  const r = result as { exec?: { file?: unknown; args?: unknown }; exitCode?: unknown } | null;
  if (r && typeof r.exitCode === 'number' && Number.isInteger(r.exitCode)) return { exitCode: r.exitCode };
  const exec = r?.exec;
  if (exec && typeof exec.file === 'string' && Array.isArray(exec.args) && exec.args.every((a) => typeof a === 'string')) {
    return { exec: { file: exec.file, args: exec.args as string[] } };
  }
  throw new SkiffError('STAGE1_INVALID', `the stage1 run module ${file} returned neither a program to exec nor an exit status`);
}

export async function runStage1Module(ctx: Ctx, file: string, request: Stage1RunRequest): Promise<Stage1RunResult> {
  let mod: unknown;
  try {
    mod = await loadRunModule(ctx, file);
  } catch (err) {
    throw new SkiffError('STAGE1_INVALID', `cannot load the stage1 run module ${file}: ${(err as Error).message}`, { cause: err });
  }
  if (!isRunModule(mod)) throw new SkiffError('STAGE1_INVALID', `the stage1 run module ${file} exports no prepareRun function`);
  ctx.log.debug({ file, args: request.args }, 'running the stage1 run module in this process');
  process.chdir(request.podDir);
  return checkRunResult(await mod.prepareRun(request), file);
}
