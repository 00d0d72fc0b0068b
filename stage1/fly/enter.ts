// The fly `enter` entrypoint: runs a command in the app's root as the app's user, with the
// app's environment and working directory, by exec'ing the same chain `run` uses. Node
// leaves nothing behind: the command replaces this process, so its exit status is enter's.
import { parseEnterArgs } from '../common/entrypoint-args.ts';
import { runEntrypoint } from '../common/entrypoint.ts';
import { buildExecChain, findChainTools } from '../common/exec-chain.ts';
import { checkCommand, planAppExec } from '../common/exec-plan.ts';
import { findApp, readPodManifest } from '../common/pod-manifest.ts';
import { createStage1Ctx } from '../common/stage1-context.ts';
import { appRootfsPath } from '../../common/layout.ts';
import { FLAVOR } from './flavor.ts';

/** What `enter` runs when stage0 passes no command. */
const DEFAULT_ENTER_COMMAND = ['/bin/sh'];

async function main(argv: readonly string[]): Promise<number> {
  const opts = parseEnterArgs(argv);
  const ctx = await createStage1Ctx(opts, FLAVOR, 'enter');
  const pod = findApp(ctx.podRoot, readPodManifest(ctx.podRoot), opts.app);
  const command = opts.command.length > 0 ? opts.command : DEFAULT_ENTER_COMMAND;
  const plan = planAppExec(appRootfsPath(ctx.podRoot, pod.name), pod, command);
  checkCommand(plan);
  const cmd = buildExecChain(plan, findChainTools(process.env.PATH));
  ctx.log.debug({ app: pod.name, file: cmd.file, args: cmd.args }, 'exec');
  return ctx.host.execve(cmd.file, cmd.args, cmd.env);
}

await runEntrypoint(main);
