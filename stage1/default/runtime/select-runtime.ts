// The runtime choice as stage1's run entrypoint makes it: look at the host's cgroups and
// runtimes, choose, and say which and why under --debug
// ("runtime: runc 1.1.5 /usr/sbin/runc (crun refuses hybrid cgroups with hugetlb enabled on the cgroup2 side)").
import type { Host } from '../../../common/host.ts';
import type { Logger } from '../../../common/log.ts';
import { probeCgroups } from '../cgroups/probe-cgroups.ts';
import type { CgroupFacts } from '../cgroups/probe-cgroups.ts';
import { chooseRuntime, describeRuntimeChoice } from './choose-runtime.ts';
import type { RuntimeChoice } from './choose-runtime.ts';
import { probeRuntimes } from './probe-runtimes.ts';

export interface SelectRuntimeOptions {
  /** --stage1-runtime or the pod annotation's value. */
  requested?: string;
  requestedBy?: string;
  cgroupRoot?: string;
  pathEnv?: string;
}

export interface RuntimeSelection {
  runtime: RuntimeChoice;
  cgroups: CgroupFacts;
}

export function selectRuntime(
  ctx: { host: Pick<Host, 'run' | 'readProcFile'>; log: Logger },
  opts: SelectRuntimeOptions = {},
): RuntimeSelection {
  const cgroups = probeCgroups(ctx.host, opts.cgroupRoot);
  const available = probeRuntimes(ctx.host, {
    pathEnv: opts.pathEnv,
    extra: opts.requested ? [opts.requested] : [],
    // Versions only for the --debug line: asking costs a process start per runtime.
    versions: ctx.log.isLevelEnabled('debug'),
  });
  const runtime = chooseRuntime({
    requested: opts.requested,
    requestedBy: opts.requestedBy,
    available,
    cgroupLayout: cgroups.layout,
    unifiedControllers: cgroups.unifiedControllers,
    ...(cgroups.unifiedMount !== undefined ? { unifiedMount: cgroups.unifiedMount } : {}),
  });
  const fields = { runtime: runtime.name, path: runtime.path, version: runtime.version, cgroups: cgroups.layout };
  ctx.log.debug({ ...fields, unifiedControllers: cgroups.unifiedControllers }, describeRuntimeChoice(runtime));
  return { runtime, cgroups };
}
