// The monitor's plan from what run.mjs set up (pure): paths from common/layout.ts, the
// runtime's command line, each app's OOM counter, the CNI DEL steps and the cgroup
// directories to remove at the end.
import type { PodCgroupsRecord } from '../../../common/cgroup-stats.ts';
import type { AppName } from '../../../common/ids.ts';
import * as layout from '../../../common/layout.ts';
import { oomCounter } from '../cgroups/pod-cgroup-record.ts';
import type { CniTeardownRecord } from '../net/cni-record.ts';
import { runFlags, runtimeArgv, runtimeKeeps } from '../runtime/runtime-record.ts';
import type { RuntimeRecord } from '../runtime/runtime-record.ts';
import type { SandboxRecord } from '../sandbox/sandbox.ts';
import type { MonitorPlan } from './monitor-plan.ts';

export interface MonitorPlanInput {
  podRoot: string;
  debug: boolean;
  interactive: boolean;
  graceSeconds: number;
  runtime: RuntimeRecord;
  /** In the order of runtime.containers. */
  cgroups: PodCgroupsRecord;
  cgroupDirs: string[];
  sandbox: SandboxRecord;
  cni?: { record: CniTeardownRecord; netns: string };
  /**
   * The stage1's own launcher (native/skiff-runtime-exec.c) and the controllers file it hides,
   * for the runtime's `run` in place of runtime.wrapper; absent: `run` goes through the wrapper.
   */
  runLauncher?: { path: string; controllers: string };
}

export function buildMonitorPlan(input: MonitorPlanInput): MonitorPlan {
  const { podRoot, runtime, cgroups, cni } = input;
  const keeps = runtimeKeeps(runtime);
  return {
    debug: input.debug,
    runtime: runtimeArgv(runtime, podRoot),
    runtimeRun: input.runLauncher
      ? [input.runLauncher.path, input.runLauncher.controllers, runtime.path, '--root', layout.podRuntimeStateDir(podRoot)]
      : runtimeArgv(runtime, podRoot),
    runtimeState: layout.podRuntimeStateDir(podRoot),
    runFlags: runFlags(runtime),
    apps: runtime.containers.map(({ app, id }, i) => {
      const name = app as AppName;
      const oom = oomCounter(cgroups, cgroups.apps[i] ?? { app }, keeps);
      return {
        name,
        id,
        bundle: layout.appBundlePath(podRoot, name),
        log: layout.appLogPath(podRoot, name),
        status: layout.appStatusPath(podRoot, name),
        oomMarker: layout.appOomPath(podRoot, name),
        oomCounter: oom.file,
        oomRule: oom.rule,
      };
    }),
    interactive: input.interactive,
    graceSeconds: input.graceSeconds,
    startedFile: layout.podStartedPath(podRoot),
    sandbox: input.sandbox,
    ...(cni
      ? {
          cni: {
            containerId: cni.record.containerId,
            netns: cni.netns,
            cniPath: cni.record.cniPath,
            record: layout.podCniTeardownPath(podRoot),
            steps: cni.record.steps.map((s, n) => ({ plugin: s.plugin, ifName: s.ifName, config: layout.podCniDelConfigPath(podRoot, n) })),
          },
        }
      : {}),
    netnsMount: cni?.netns ?? '',
    cgroupDirs: input.cgroupDirs,
  };
}
