import { defineCommand } from '../command.ts';

interface Args {
  uuid?: string;
  'uuid-file'?: string;
  interactive?: boolean;
  net?: string;
  hostname?: string;
}

export default defineCommand<Args>({
  command: 'run-prepared [uuid]',
  describe: 'run a prepared pod in the foreground; exactly one of several concurrent calls wins',
  builder: (y) =>
    y
      .positional('uuid', { type: 'string', describe: 'pod UUID or unique prefix' })
      .option('uuid-file', { type: 'string', describe: 'read the UUID from this file' })
      .option('interactive', { type: 'boolean', describe: "pass stdin to the pod's app" })
      .option('net', { type: 'string', describe: 'host|none|default|NAME[,NAME] (default: default)' })
      .option('hostname', { type: 'string', describe: "the pod's hostname" }),
  async handler(args) {
    const { createCtxFor } = await import('../ctx-for.ts');
    const { requireRoot } = await import('../pods/require-root.ts');
    const { readUuidFile } = await import('../pods/find-pod.ts');
    const { claimPreparedPod, ensurePodMounted, markRunning, planStage1Exec, readRunOptions, startStage1 } = await import(
      '../pods/run-prepared.ts'
    );
    const { parseNet } = await import('../pod/pod-network-options.ts');
    const { SkiffError } = await import('../../common/errors.ts');
    const ctx = createCtxFor(args);
    requireRoot(ctx.host, 'run-prepared');
    const ref = args.uuid ?? (args['uuid-file'] ? readUuidFile(args['uuid-file']) : undefined);
    if (!ref) throw new SkiffError('USAGE', 'give the pod UUID or --uuid-file');
    const pod = claimPreparedPod(ctx, ref);
    ensurePodMounted(ctx, pod.root);
    const root = markRunning(ctx.dataDir, pod.uuid, pod.root);
    const opts = readRunOptions(root, {
      net: args.net ? parseNet([args.net]) : undefined,
      hostname: args.hostname,
      interactive: args.interactive ? true : undefined,
    });
    // Returns only when a run module failed: its status is the pod's.
    process.exitCode = await startStage1(ctx, await planStage1Exec(ctx, root, pod.uuid, opts, args.debug));
  },
});
