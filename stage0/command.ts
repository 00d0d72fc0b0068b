// The shape of one CLI command file (crun src/run.c, youki commands/run.rs): it parses,
// calls the library and prints.
import type { Argv } from 'yargs';
import type { CommandEnv, GlobalArgs } from './global-options.ts';

export type HandlerArgs<A> = A & GlobalArgs & { $env: CommandEnv; _: (string | number)[] };

export interface SkiffCommand<A = Record<string, unknown>> {
  command: string | string[];
  describe: string;
  builder: (y: Argv) => Argv;
  handler: (args: HandlerArgs<A>) => Promise<void>;
}

/** Helper so command files are typed without repeating the generic at each export. */
export function defineCommand<A>(cmd: SkiffCommand<A>): SkiffCommand<A> {
  return cmd;
}
