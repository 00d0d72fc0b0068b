import { defineCommand } from '../command.ts';
import { POD_USAGE, describePodArgs } from './pod-args.ts';

export default defineCommand({
  command: 'prepare [args..]',
  describe: 'prepare a pod from images (fetched if they are local files) and print its UUID',
  builder: (y) => describePodArgs(y.usage(`skiff prepare ${POD_USAGE}`)),
  async handler(args) {
    const { createCtxFor } = await import('../ctx-for.ts');
    const { parsePodArgv } = await import('../pod/parse-pod-argv.ts');
    const { prepare } = await import('../pods/prepare.ts');
    const { requireRoot } = await import('../pods/require-root.ts');
    const ctx = createCtxFor(args, { progress: true });
    requireRoot(ctx.host, 'prepare');
    using pod = await prepare(ctx, parsePodArgv(args.$env.podArgv ?? [], process.env));
    args.$env.out.line(pod.uuid);
  },
});
