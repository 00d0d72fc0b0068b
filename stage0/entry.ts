// The bundle's entry: run main and exit with its status.
import { main } from './main.ts';

function start(argv: readonly string[]): void {
  let settled = false;
  // If main() never settles (a stream closed without an error leaves a promise pending and
  // the event loop empty), Node would exit 0: make that a visible failure instead.
  process.on('beforeExit', () => {
    if (!settled) {
      process.stderr.write('skiff: internal error: the command stopped without finishing\n');
      process.exitCode = 1;
    }
  });
  main(argv).then(
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

start(process.argv.slice(2));
