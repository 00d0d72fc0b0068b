// What stage1 learns about the host's cgroups before choosing a runtime and a manager: the
// layout (from /proc/self/mountinfo) and the controllers on the cgroup2 side, which is what
// decides whether crun will run here (see runtime/choose-runtime.ts).
import path from 'node:path';
import type { Host } from '../../../common/host.ts';
import type { CgroupFs } from './cgroup-fs.ts';
import { createNodeCgroupFs } from './cgroup-fs.ts';
import { DEFAULT_CGROUP_ROOT, detectCgroupLayout, findCgroupMounts, parseControllerList } from './detect-layout.ts';
import type { CgroupLayout } from './detect-layout.ts';

export interface CgroupFacts {
  layout: CgroupLayout;
  root: string;
  /** The cgroup2 mount (the root on v2, <root>/unified on a hybrid host), if any. */
  unifiedMount?: string;
  /** Its root's cgroup.controllers: every v2 controller on v2; on a hybrid host, any at all is too many for crun. */
  unifiedControllers: string[];
  /** Controllers on v1 hierarchies (`name=systemd` included), sorted. */
  v1Controllers: string[];
}

export function probeCgroups(
  host: Pick<Host, 'readProcFile'>,
  root = DEFAULT_CGROUP_ROOT,
  cfs: CgroupFs = createNodeCgroupFs(),
): CgroupFacts {
  const mountinfo = host.readProcFile('self/mountinfo');
  const layout = detectCgroupLayout(root, mountinfo);
  const { mounts } = findCgroupMounts(root, mountinfo);
  const facts: CgroupFacts = {
    layout,
    root,
    unifiedControllers: [],
    v1Controllers: [...new Set(mounts.v1.flatMap((h) => h.controllers))].sort(),
  };
  if (mounts.unified !== undefined) {
    facts.unifiedMount = mounts.unified;
    facts.unifiedControllers = parseControllerList(cfs.read(path.join(mounts.unified, 'cgroup.controllers')) ?? '');
  }
  return facts;
}
