// The default `enter` entrypoint: runs a command in a running app's container with
// `RUNTIME exec`, which takes the app's environment, user, groups, working directory,
// capabilities and seccomp filter from the app's bundle (config.json), and its root and
// namespaces from the container. Node execs the runtime, so nothing of skiff stays behind
// and the command's exit status is enter's. `--interactive` gives it a pseudo-terminal.
import { isatty } from 'node:tty';
import { SkiffError } from '../../common/errors.ts';
import { appRootfsPath } from '../../common/layout.ts';
import { parseEnterArgs } from '../common/entrypoint-args.ts';
import { runEntrypoint } from '../common/entrypoint.ts';
import { planAppExec } from '../common/exec-plan.ts';
import { planVolumeMounts } from '../common/mount-plan.ts';
import { findApp, readPodManifest } from '../common/pod-manifest.ts';
import { createStage1Ctx } from '../common/stage1-context.ts';
import { checkAppCommand } from './bundle/plan-app.ts';
import { FLAVOR } from './flavor.ts';
import { containerIdOf, readRuntimeRecord, runtimeArgv } from './runtime/runtime-record.ts';

/** What `enter` runs when stage0 passes no command. */
const DEFAULT_ENTER_COMMAND = ['/bin/sh'];

async function main(argv: readonly string[]): Promise<number> {
  const opts = parseEnterArgs(argv);
  const ctx = await createStage1Ctx(opts, FLAVOR, 'enter');
  const manifest = readPodManifest(ctx.podRoot);
  const pod = findApp(ctx.podRoot, manifest, opts.app);
  const rec = readRuntimeRecord(ctx.podRoot);
  const id = rec && containerIdOf(rec, pod.name);
  if (!rec || id === undefined) {
    throw new SkiffError('POD_STATE', `app ${pod.name} of pod ${opts.uuid} has no container: the pod is not running`);
  }
  const command = opts.command.length > 0 ? opts.command : DEFAULT_ENTER_COMMAND;
  // 127 / 126 with a clear message, before the runtime says it in its own words.
  checkAppCommand(planAppExec(appRootfsPath(ctx.podRoot, pod.name), pod, command), planVolumeMounts(manifest, pod.runtime, pod.app));
  // A pseudo-terminal needs a terminal to relay (runc refuses one otherwise); from a pipe the
  // command reads the pipe itself.
  const tty = opts.interactive && isatty(0);
  if (opts.interactive && !tty) ctx.log.debug('stdin is not a terminal: no pseudo-terminal for the command');
  const args = [...runtimeArgv(rec, ctx.podRoot), 'exec', ...(tty ? ['--tty'] : []), id, ...command];
  ctx.log.debug({ app: pod.name, args }, 'exec');
  return ctx.host.execve(rec.path, args, process.env);
}

await runEntrypoint(main);
