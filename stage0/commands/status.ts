import { defineCommand } from '../command.ts';
import { podRefFrom, withPodRef } from './pod-ref.ts';

interface Args {
  uuid?: string;
  'uuid-file'?: string;
  wait?: string;
  stats: boolean;
  format: 'lines' | 'json';
}

export default defineCommand<Args>({
  command: 'status [uuid]',
  describe: "print a pod's state, times, pid and each app's exit status (key=value lines, or JSON)",
  builder: (y) =>
    withPodRef(y)
      .option('wait', { type: 'string', describe: 'wait for the pod to exit, at most DUR (e.g. 30s; bare --wait: forever)' })
      .option('stats', { type: 'boolean', default: false, describe: "add each app's memory and CPU use, read from the pod's cgroups" })
      .option('format', { choices: ['lines', 'json'] as const, default: 'lines' as const }),
  async handler(args) {
    const { createCtxFor } = await import('../ctx-for.ts');
    const { podStatus } = await import('../pods/pod-ops.ts');
    const { formatStatusLines } = await import('../pods/pod-info.ts');
    const { parseDuration } = await import('../../common/duration.ts');
    // `status --wait UUID`: yargs hands the UUID to --wait (its value is optional), so a bare
    // --wait followed by the pod is told apart from --wait=DUR by the missing positional.
    const bareWait = args.wait !== undefined && args.uuid === undefined && args['uuid-file'] === undefined && /^[0-9a-f-]+$/i.test(args.wait) && !/^\d+$/.test(args.wait);
    const ref = bareWait ? { ...args, uuid: args.wait } : args;
    const wait = bareWait ? '' : args.wait;
    const waitMs = wait === undefined ? undefined : wait === '' ? Number.MAX_SAFE_INTEGER : parseDuration(wait);
    const ctx = createCtxFor(args);
    const info = await podStatus(ctx, await podRefFrom(ref), { waitMs });
    const stats = args.stats ? (await import('../pods/pod-ops.ts')).podStats(ctx, info.uuid) : undefined;
    if (args.format === 'json') {
      args.$env.out.json(stats ? { ...info, stats } : info);
      return;
    }
    for (const line of formatStatusLines(info)) args.$env.out.line(line);
    if (stats) {
      const { formatStatsLines } = await import('../pods/pod-info.ts');
      for (const line of formatStatsLines(stats)) args.$env.out.line(line);
    }
  },
});
