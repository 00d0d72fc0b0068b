import { defineCommand } from '../command.ts';

interface Args {
  'grace-period': string;
  'expire-prepared': string;
}

export default defineCommand<Args>({
  command: 'gc',
  describe: 'collect exited pods (unmount, release stage1 resources), delete them after the grace period; expire old prepared pods',
  builder: (y) =>
    y
      .option('grace-period', { type: 'string', default: '30m', describe: 'how long exited pods are kept before deletion' })
      .option('expire-prepared', { type: 'string', default: '24h', describe: 'how long prepared pods are kept' }),
  async handler(args) {
    const { createCtxFor } = await import('../ctx-for.ts');
    const { gcPods } = await import('../pods/pod-ops.ts');
    const { requireRoot } = await import('../pods/require-root.ts');
    const { parseDuration } = await import('../../common/duration.ts');
    const ctx = createCtxFor(args);
    requireRoot(ctx.host, 'gc');
    const r = gcPods(ctx, {
      graceMs: parseDuration(args['grace-period']),
      preparedExpiryMs: parseDuration(args['expire-prepared']),
      embryoExpiryMs: 60_000,
    });
    for (const uuid of r.collected) args.$env.log.info(`collected pod ${uuid}`);
    for (const uuid of r.removed) args.$env.log.info(`removed pod ${uuid}`);
  },
});
