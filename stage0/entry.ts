// The bundle's entry: the launcher (stage0/launcher.ts) calls start, which runs main and exits
// with its status.
import { main, type Launch } from './main.ts';

export function start(argv: readonly string[], launch: Launch): void {
  let settled = false;
  // If main() never settles (a stream closed without an error leaves a promise pending and
  // the event loop empty), Node would exit 0: make that a visible failure instead.
  process.on('beforeExit', () => {
    if (!settled) {
      process.stderr.write('skiff: internal error: the command stopped without finishing\n');
      process.exitCode = 1;
    }
  });
  main(argv, launch).then(
    (code) => {
      settled = true;
      process.exitCode = code;
    },
    (err: unknown) => {
      settled = true;
      process.stderr.write(`skiff: internal error: ${String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
