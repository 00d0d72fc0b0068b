// The fly `gc` entrypoint. fly allocates nothing outside the pod directory: no network, no
// cgroups; its mounts all sit under the pod directory and stage0's gc unmounts them with
// the pod. So there is nothing to release, and running it twice is as harmless as once.
import { parseGcArgs } from '../common/entrypoint-args.ts';
import { runEntrypoint } from '../common/entrypoint.ts';
import { createStage1Ctx } from '../common/stage1-context.ts';
import { FLAVOR } from './flavor.ts';

async function main(argv: readonly string[]): Promise<number> {
  const opts = parseGcArgs(argv);
  const ctx = await createStage1Ctx(opts, FLAVOR, 'gc');
  ctx.log.debug('nothing to release: fly allocates nothing outside the pod directory');
  return 0;
}

await runEntrypoint(main);
