import { defineCommand } from '../command.ts';
import { podRefFrom, withPodRef } from './pod-ref.ts';

interface Args {
  uuid?: string;
  'uuid-file'?: string;
  app?: string;
  interactive: boolean;
  cmd?: string[];
}

export default defineCommand<Args>({
  command: 'enter [uuid] [cmd..]',
  describe: "run a command inside an app of a running pod (its root, namespaces, environment and user); the exit status is the command's",
  builder: (y) =>
    withPodRef(y)
      .positional('cmd', { type: 'string', array: true, describe: 'command and arguments (default: /bin/sh); put -- before options of the command' })
      .option('app', { type: 'string', describe: 'the app to enter (needed when the pod has several)' })
      .option('interactive', { type: 'boolean', default: false, describe: 'allocate a terminal' })
      .parserConfiguration({ 'populate--': true }),
  async handler(args) {
    const { createCtxFor } = await import('../ctx-for.ts');
    const { enterPod } = await import('../pods/pod-ops.ts');
    const { requireRoot } = await import('../pods/require-root.ts');
    const ctx = createCtxFor(args);
    requireRoot(ctx.host, 'enter');
    const rest = (args as { '--'?: (string | number)[] })['--'] ?? [];
    const command = [...(args.cmd ?? []), ...rest.map(String)];
    process.exitCode = enterPod(ctx, await podRefFrom(args), { app: args.app, interactive: args.interactive, command });
  },
});
