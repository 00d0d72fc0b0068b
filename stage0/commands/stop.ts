import { defineCommand } from '../command.ts';

interface Args {
  uuids: string[];
  force: boolean;
  'grace-period': string;
}

export default defineCommand<Args>({
  command: 'stop <uuids..>',
  describe: 'stop running pods: SIGTERM, then SIGKILL after the grace period (--force: SIGKILL at once)',
  builder: (y) =>
    y
      .positional('uuids', { type: 'string', array: true })
      .option('force', { type: 'boolean', default: false, describe: 'kill at once' })
      .option('grace-period', { type: 'string', default: '10s', describe: 'how long to wait after SIGTERM' }),
  async handler(args) {
    const { createCtxFor } = await import('../ctx-for.ts');
    const { stopPods } = await import('../pods/pod-ops.ts');
    const { requireRoot } = await import('../pods/require-root.ts');
    const { parseDuration } = await import('../../common/duration.ts');
    const ctx = createCtxFor(args);
    requireRoot(ctx.host, 'stop');
    const stopped = await stopPods(ctx, args.uuids, { force: args.force, graceMs: parseDuration(args['grace-period']) });
    for (const uuid of stopped) args.$env.out.line(uuid);
  },
});
