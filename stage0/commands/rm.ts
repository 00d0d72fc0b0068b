import { defineCommand } from '../command.ts';

interface Args {
  uuids: string[];
}

export default defineCommand<Args>({
  command: 'rm <uuids..>',
  describe: 'remove pods that are not running (prepared, exited or left by a failed prepare)',
  builder: (y) => y.positional('uuids', { type: 'string', array: true }),
  async handler(args) {
    const { createCtxFor } = await import('../ctx-for.ts');
    const { removePods } = await import('../pods/pod-ops.ts');
    const { requireRoot } = await import('../pods/require-root.ts');
    const ctx = createCtxFor(args);
    requireRoot(ctx.host, 'rm');
    for (const uuid of removePods(ctx, args.uuids)) args.$env.out.line(uuid);
  },
});
