import { defineCommand } from '../command.ts';
import { POD_USAGE, describePodArgs } from './pod-args.ts';

export default defineCommand({
  command: 'run [args..]',
  describe: "prepare a pod and run it in the foreground; the exit status is the pod's",
  builder: (y) => describePodArgs(y.usage(`skiff run ${POD_USAGE}`)),
  async handler(args) {
    const { createCtxFor } = await import('../ctx-for.ts');
    const { parsePodArgv } = await import('./pod-args.ts');
    const { prepare } = await import('../pods/prepare.ts');
    const { requireRoot } = await import('../pods/require-root.ts');
    const { markRunning, planStage1Exec, readRunOptions, startStage1 } = await import('../pods/run-prepared.ts');
    const ctx = createCtxFor(args, { progress: true });
    requireRoot(ctx.host, 'run');
    const opts = await parsePodArgv(args.$env.podArgv ?? []);
    // The lock goes onto fd 0 from the start, so it passes to stage1 with no gap.
    const pod = await prepare(ctx, opts, { lockOnFd0: true });
    const root = markRunning(ctx.dataDir, pod.uuid, pod.root);
    const plan = await planStage1Exec(ctx, root, pod.uuid, readRunOptions(root, {}), args.debug);
    // Returns only when a run module failed: its status is the pod's.
    process.exitCode = await startStage1(ctx, plan);
  },
});
