import { defineCommand } from '../command.ts';
import { POD_USAGE, describePodArgs } from './pod-args.ts';

export default defineCommand({
  command: 'run [args..]',
  describe: "prepare a pod and run it in the foreground; the exit status is the pod's",
  builder: (y) => describePodArgs(y.usage(`skiff run ${POD_USAGE}`)),
  async handler(args) {
    // One import for the whole path: each ES module the bundle splits off costs every
    // `skiff run` ~0.3-0.6 ms, and one import point lets it make few of them.
    const { runPod } = await import('../pods/run-pod.ts');
    process.exitCode = await runPod(args);
  },
});
