// `skiff run`: prepare a pod, then hand it to stage1 (docs/pod-lifecycle.md).
import type { CommandEnv, GlobalArgs } from '../global-options.ts';
import { createCtxFor } from '../ctx-for.ts';
import { parsePodArgv } from '../pod/parse-pod-argv.ts';
import { prepare } from './prepare.ts';
import { requireRoot } from './require-root.ts';
import { markRunning, planStage1Exec, readRunOptions, startStage1 } from './run-prepared.ts';

/** Returns only when a run module failed: its status is the pod's. */
export async function runPod(args: GlobalArgs & { $env: CommandEnv }): Promise<number> {
  const ctx = createCtxFor(args, { progress: true });
  requireRoot(ctx.host, 'run');
  const opts = parsePodArgv(args.$env.podArgv ?? [], process.env);
  // The lock goes onto fd 0 from the start, so it passes to stage1 with no gap.
  const pod = await prepare(ctx, opts, { lockOnFd0: true });
  const root = markRunning(ctx.dataDir, pod.uuid, pod.root);
  const plan = await planStage1Exec(ctx, root, pod.uuid, readRunOptions(root, {}), args.debug);
  return startStage1(ctx, plan);
}
