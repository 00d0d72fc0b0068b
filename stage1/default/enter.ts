// The default `enter` entrypoint: runs a command in a running app's container with
// `RUNTIME exec --process FILE`, FILE being the app's process from its bundle (config.json:
// environment, user, groups, working directory, capabilities, no-new-privileges) with the
// command's args; root, namespaces and seccomp filter come from the container. (Without
// --process crun 1.8 runs the command as root in /, where runc takes them from config.json.)
// Node execs a shell that opens FILE, unlinks it and execs the runtime on /dev/fd/9, so
// nothing of skiff stays behind, not even the file, and the command's exit status is enter's.
// `--interactive` gives it a pseudo-terminal.
import fs from 'node:fs';
import { isatty } from 'node:tty';
import { SkiffError, wrap } from '../../common/errors.ts';
import { appExecProcessPath, appOciConfigPath, appRootfsPath } from '../../common/layout.ts';
import type { AppName } from '../../common/ids.ts';
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
  const processFile = writeExecProcess(ctx.podRoot, pod.name, command, tty);
  const args = [
    '/bin/sh', '-c', 'exec 9<"$0" && rm -f -- "$0" && exec "$@"', processFile,
    ...runtimeArgv(rec, ctx.podRoot), 'exec', '--process', '/dev/fd/9', ...(tty ? ['--tty'] : []), id,
  ];
  ctx.log.debug({ app: pod.name, args }, 'exec');
  return ctx.host.execve(args[0]!, args, process.env);
}

/** The app's process from its bundle, running COMMAND instead: an OCI process.json for `exec --process`. */
function writeExecProcess(podRoot: string, app: AppName, command: readonly string[], tty: boolean): string {
  const file = appExecProcessPath(podRoot, app, process.pid);
  try {
    const config = JSON.parse(fs.readFileSync(appOciConfigPath(podRoot, app), 'utf8')) as { process?: Record<string, unknown> };
    fs.writeFileSync(file, JSON.stringify({ ...config.process, args: command, terminal: tty }), { mode: 0o600 });
  } catch (err) {
    throw wrap(err, `writing the process of the command for app ${app}`);
  }
  return file;
}

await runEntrypoint(main);
