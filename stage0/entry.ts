// The bundle's entry: run main and exit with its status.
import { main } from './main.ts';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`skiff: internal error: ${String(err)}\n`);
    process.exitCode = 1;
  },
);
