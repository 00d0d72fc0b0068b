// The main() of every stage1 entrypoint: the one place that maps errors to an exit status and
// to one line `skiff-stage1: …` on stderr (a stack trace only with --debug). stdout is never
// written: it belongs to the pod's apps.
import { writeSync } from 'node:fs';
import { describeCause, isSkiffError } from '../../common/errors.ts';
import { EXIT_CANNOT_INVOKE, EXIT_NOT_FOUND, EXIT_STAGE1_FAILED, type Stage1RunResult } from '../../common/stage1-interface.ts';
import { argvWantsDebug } from './entrypoint-args.ts';

/** 127 when the app's command is not in the image, 126 when it cannot be run, else 125. */
export function exitCodeFor(err: unknown): number {
  if (isSkiffError(err) && err.code === 'APP_NOT_FOUND') return EXIT_NOT_FOUND;
  if (isSkiffError(err) && err.code === 'APP_NOT_EXECUTABLE') return EXIT_CANNOT_INVOKE;
  return EXIT_STAGE1_FAILED;
}

/** The one line users see: `skiff-stage1: message (hint)`. */
export function formatStage1ErrorLine(err: unknown): string {
  if (isSkiffError(err)) return `skiff-stage1: ${err.message}${err.hint ? ` (${err.hint})` : ''}`;
  return `skiff-stage1: ${describeCause(err)}`;
}

/**
 * Runs an entrypoint body with the process's argv (after the script) and exits with the
 * status it returns, or with the status of the error it throws. A body that execs never returns.
 */
export async function runEntrypoint(body: (argv: readonly string[]) => Promise<number>): Promise<never> {
  const argv = process.argv.slice(2);
  let code: number;
  try {
    code = await body(argv);
  } catch (err) {
    code = reportFailure(argv, err);
  }
  process.exit(code);
}

/**
 * The same for a run module's prepareRun, which runs inside stage0's process: the failure is
 * reported the same way, and its status returned for stage0 to exit with.
 */
export async function runModuleBody(argv: readonly string[], body: (argv: readonly string[]) => Promise<Stage1RunResult>): Promise<Stage1RunResult> {
  try {
    return await body(argv);
  } catch (err) {
    return { exitCode: reportFailure(argv, err) };
  }
}

/** Writes the one line (and with --debug the stack) on stderr; returns the exit status. */
function reportFailure(argv: readonly string[], err: unknown): number {
  let text = `${formatStage1ErrorLine(err)}\n`;
  if (argvWantsDebug(argv) && err instanceof Error && err.stack) text += `${err.stack}\n`;
  writeSync(2, text);
  return exitCodeFor(err);
}
