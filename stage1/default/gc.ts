// The default `gc` entrypoint: releases what the pod allocated outside its directory (its
// containers, CNI allocations and the network namespace, the sandbox, its cgroups), from the
// records run wrote. The monitor does the same at the end of every normal run; this is what
// makes a pod whose monitor was killed (kill -9, a crash, a reboot) leave nothing behind.
// Idempotent: it releases what is still there, and exits 0 when nothing is left.
import { parseGcArgs } from '../common/entrypoint-args.ts';
import { runEntrypoint } from '../common/entrypoint.ts';
import { createStage1Ctx } from '../common/stage1-context.ts';
import { SkiffError } from '../../common/errors.ts';
import { FLAVOR } from './flavor.ts';
import { teardownPod } from './teardown-pod.ts';

async function main(argv: readonly string[]): Promise<number> {
  const opts = parseGcArgs(argv);
  const ctx = await createStage1Ctx(opts, FLAVOR, 'gc');
  const problems = await teardownPod(ctx, opts.uuid);
  if (problems.length > 0) {
    throw new SkiffError('STAGE1_FAILED', `gc of pod ${opts.uuid} left ${problems.length} thing(s): ${problems.join('; ')}`, {
      hint: 'run skiff gc again',
    });
  }
  ctx.log.debug('released everything');
  return 0;
}

await runEntrypoint(main);
