// What every stage1 entrypoint works with, passed explicitly (no module state): the pod
// directory (the entrypoint's cwd, as the interface says), a logger and the Host seam.
import type { Host } from '../../common/host.ts';
import { createLinuxHost } from '../../common/host-linux.ts';
import { createRootLogger } from '../../common/log.ts';
import type { Logger } from '../../common/log.ts';
import type { CommonOptions } from './entrypoint-args.ts';

export interface Stage1Ctx {
  podRoot: string;
  log: Logger;
  host: Host;
}

/** `podRoot`: the pod directory, by default the cwd (a run module is told it). */
export async function createStage1Ctx(opts: CommonOptions, flavor: string, entrypoint: string, podRoot = process.cwd()): Promise<Stage1Ctx> {
  const root = await createRootLogger({ debug: opts.debug, format: opts.logFormat, name: 'skiff-stage1' });
  return {
    podRoot,
    log: root.child({ mod: `stage1-${flavor}`, entrypoint, pod: opts.uuid }),
    host: createLinuxHost(),
  };
}
