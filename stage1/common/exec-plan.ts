// What an app process is started with: root, working directory, ids, environment and argv.
// buildExecPlan is pure (the caller reads the image's /etc/passwd and /etc/group); the
// command checks below look the command up inside the app's root, as execvp would after
// chroot, so a missing or unrunnable command is reported as 127/126 before anything execs.
import fs from 'node:fs';
import path from 'node:path';
import type { App } from '../../common/appc-types.ts';
import { SkiffError } from '../../common/errors.ts';
import type { AppName } from '../../common/ids.ts';
import { resolveUserGroup } from '../../common/passwd.ts';
import { effectiveGroup } from './pod-manifest.ts';
import type { PodApp } from './pod-manifest.ts';
import { readFileInRoot, resolveInRoot } from './resolve-in-root.ts';

/** PATH when the app sets none (rkt, Docker, runc). */
export const DEFAULT_APP_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface ExecPlan {
  /** The app's root on the host. */
  root: string;
  /** Absolute, inside the root. */
  workingDirectory: string;
  uid: number;
  gid: number;
  supplementaryGids: number[];
  /** The whole environment of the app, in order. */
  env: Record<string, string>;
  argv: string[];
}

export interface ExecPlanInput {
  appName: AppName;
  app: App;
  root: string;
  /** Texts of the image's /etc/passwd and /etc/group; undefined when the image has none. */
  passwdText: string | undefined;
  groupText: string | undefined;
  /** A command to run instead of the app's exec (enter). */
  command?: readonly string[];
}

/** The app's environment: its own variables, then AC_APP_NAME, PATH and HOME defaults. */
export function appEnvironment(app: App, appName: AppName, home: string | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { name, value } of app.environment ?? []) {
    if (name === '' || name.includes('=') || name.includes('\0') || value.includes('\0')) {
      throw new SkiffError('POD_MANIFEST_INVALID', `app ${appName} has an invalid environment variable ${JSON.stringify(name)}`);
    }
    env[name] = value;
  }
  env.AC_APP_NAME = appName;
  env.PATH ??= DEFAULT_APP_PATH;
  // runc and Docker set HOME from the user's passwd entry when the image does not.
  if (home !== undefined && home !== '') env.HOME ??= home;
  return env;
}

export function buildExecPlan(input: ExecPlanInput): ExecPlan {
  const { app, appName } = input;
  const argv = [...(input.command ?? app.exec ?? [])];
  if (argv.length === 0 || argv[0] === '') {
    throw new SkiffError('POD_MANIFEST_INVALID', `app ${appName} has no command to run`, { hint: 'give one with --exec' });
  }
  const ids = resolveUserGroup(app.user, app.group, input.passwdText, input.groupText, appName);
  const groups = [...new Set([...ids.supplementaryGids, ...(app.supplementaryGIDs ?? [])])];
  const wd = app.workingDirectory ?? '/';
  if (!wd.startsWith('/')) {
    throw new SkiffError('POD_MANIFEST_INVALID', `app ${appName}'s working directory ${JSON.stringify(wd)} is not absolute`);
  }
  return {
    root: input.root,
    workingDirectory: path.posix.resolve(wd),
    uid: ids.uid,
    gid: ids.gid,
    supplementaryGids: groups,
    env: appEnvironment(app, appName, ids.home),
    argv,
  };
}

/** The app's exec plan, with the user and group looked up in the image's own files. */
export function planAppExec(appRoot: string, pod: PodApp, command?: readonly string[]): ExecPlan {
  const input = {
    appName: pod.name,
    app: { ...pod.app, group: effectiveGroup(pod) },
    root: appRoot,
    passwdText: readFileInRoot(appRoot, '/etc/passwd'),
    groupText: readFileInRoot(appRoot, '/etc/group'),
  };
  return buildExecPlan(command === undefined ? input : { ...input, command });
}

export interface Credentials {
  uid: number;
  gid: number;
  supplementaryGids: readonly number[];
}

/** Whether a file with this mode and owner can be executed with these credentials (root: any x bit). */
export function canExecute(st: { mode: number; uid: number; gid: number }, creds: Credentials): boolean {
  if (creds.uid === 0) return (st.mode & 0o111) !== 0;
  if (st.uid === creds.uid) return (st.mode & 0o100) !== 0;
  if (st.gid === creds.gid || creds.supplementaryGids.includes(st.gid)) return (st.mode & 0o010) !== 0;
  return (st.mode & 0o001) !== 0;
}

type Candidate = { found: false } | { found: true; inRoot: string; runnable: boolean };

function checkCandidate(plan: ExecPlan, p: string): Candidate {
  const r = resolveInRoot(plan.root, p);
  if (!r.exists || r.kind === 'dir') return r.exists ? { found: true, inRoot: r.inRoot, runnable: false } : { found: false };
  const st = fs.statSync(r.hostPath);
  return { found: true, inRoot: r.inRoot, runnable: st.isFile() && canExecute(st, plan) };
}

/**
 * Checks that argv[0] names a file the app can execute inside its root, searching the app's
 * PATH when it has no slash (execvp's rules: the first executable hit wins, a non-executable
 * hit is remembered as "cannot invoke"). Throws APP_NOT_FOUND (127) or APP_NOT_EXECUTABLE
 * (126); returns the command's path inside the root.
 */
export function checkCommand(plan: ExecPlan): string {
  const cmd = plan.argv[0] as string;
  const candidates = cmd.includes('/')
    ? [path.posix.resolve(plan.workingDirectory, cmd)]
    : (plan.env.PATH ?? DEFAULT_APP_PATH).split(':').map((dir) => path.posix.resolve(plan.workingDirectory, dir || '.', cmd));
  let blocked: string | undefined;
  for (const candidate of candidates) {
    const c = checkCandidate(plan, candidate);
    if (c.found && c.runnable) return c.inRoot;
    if (c.found) blocked ??= candidate;
  }
  if (blocked !== undefined) {
    throw new SkiffError('APP_NOT_EXECUTABLE', `${blocked} in the image cannot be executed by uid ${plan.uid}: it is a directory or lacks the execute permission`);
  }
  const where = cmd.includes('/') ? '' : ` (searched PATH=${plan.env.PATH ?? DEFAULT_APP_PATH})`;
  throw new SkiffError('APP_NOT_FOUND', `${cmd} not found in the image${where}`, {
    hint: 'check the image or give another command with --exec',
  });
}
