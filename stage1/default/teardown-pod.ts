// Releasing everything the default stage1 allocated outside the pod directory, from the
// records it wrote as it went: the gc entrypoint (after a normal end, or after kill -9 of
// everything) and run, when it fails half way. Each step works from what is actually there,
// so it is idempotent and safe to repeat; a step that fails does not stop the others.
// Order matters: containers first (their processes die), then CNI DEL while the network
// namespace still exists (ptp removes its masquerade rules only then), then the sandbox
// (every process left in the pod's PID namespace dies with it), the persisted netns, and
// last the cgroups, which can only go once empty.
import fs from 'node:fs';
import path from 'node:path';
import type { PodUuid } from '../../common/ids.ts';
import { podNetnsPath, podRuntimeStateDir } from '../../common/layout.ts';
import { parseMountinfo } from '../common/mount-plan.ts';
import type { Stage1Ctx } from '../common/stage1-context.ts';
import { podCgroupPath } from './cgroups/cgroup-paths.ts';
import { createCgroupManager } from './cgroups/manager.ts';
import { probeCgroups } from './cgroups/probe-cgroups.ts';
import { teardownNetworks } from './net/teardown-networks.ts';
import { readRuntimeRecord, runtimeArgv } from './runtime/runtime-record.ts';
import { killSandbox, readSandboxRecord } from './sandbox/sandbox.ts';

const ALL_CODES = Array.from({ length: 255 }, (_, i) => i + 1);

function deleteContainers(ctx: Stage1Ctx, problems: string[]): void {
  const rec = readRuntimeRecord(ctx.podRoot);
  if (!rec) return;
  // Where the state dir is now: stage0 renames the pod directory (run/ → exited-garbage/) before gc.
  const stateDir = podRuntimeStateDir(ctx.podRoot);
  const [file, ...global] = runtimeArgv(rec, ctx.podRoot);
  for (const { app, id } of rec.containers) {
    // runc and crun keep a directory per container in their --root: none, nothing to delete.
    if (!fs.existsSync(path.join(stateDir, id))) continue;
    const res = ctx.host.run(file!, [...global, 'delete', '--force', id], { okCodes: ALL_CODES });
    if (res.code !== 0 && fs.existsSync(path.join(stateDir, id))) {
      problems.push(`deleting the container of app ${app}: ${res.stderr.trim() || `exit ${res.code}`}`);
    } else ctx.log.debug({ app, id }, 'deleted the container');
  }
}

function isMountPoint(ctx: Stage1Ctx, p: string): boolean {
  return parseMountinfo(ctx.host.readProcFile('self/mountinfo')).includes(p);
}

function releaseNetns(ctx: Stage1Ctx, problems: string[]): void {
  const netns = podNetnsPath(ctx.podRoot);
  try {
    while (isMountPoint(ctx, netns)) ctx.host.umount(netns);
  } catch (err) {
    try {
      ctx.host.umount(netns, { lazy: true });
    } catch {
      problems.push(`unmounting the pod's network namespace ${netns}: ${(err as Error).message}`);
      return;
    }
  }
  fs.rmSync(netns, { force: true });
}

async function removeCgroups(ctx: Stage1Ctx, uuid: PodUuid, cgroupRoot: string | undefined, problems: string[]): Promise<void> {
  try {
    const facts = probeCgroups(ctx.host, cgroupRoot);
    const manager = createCgroupManager({ layout: facts.layout, root: facts.root, host: ctx.host, log: ctx.log });
    const pod = podCgroupPath(uuid);
    const killed = await manager.killAll(pod, 'SIGKILL');
    if (killed.length > 0) ctx.log.debug({ pids: killed }, 'killed what was left in the pod cgroup');
    await manager.remove(pod);
  } catch (err) {
    problems.push(`removing the pod's cgroups: ${(err as Error).message}`);
  }
}

/**
 * Releases what the records name; returns the problems, one sentence each ([] = all
 * released). `cgroupRoot` is /sys/fs/cgroup but for tests.
 */
export async function teardownPod(ctx: Stage1Ctx, uuid: PodUuid, opts: { cgroupRoot?: string } = {}): Promise<string[]> {
  const problems: string[] = [];
  try {
    deleteContainers(ctx, problems);
  } catch (err) {
    problems.push((err as Error).message);
  }
  const cniProblems = teardownNetworks(ctx);
  problems.push(...cniProblems);
  const sandbox = readSandboxRecord(ctx.podRoot);
  if (sandbox && (await killSandbox(ctx.host, sandbox))) ctx.log.debug({ pid: sandbox.pid }, 'killed the sandbox');
  // Kept while a CNI DEL failed: the next gc needs the namespace (ptp removes its rules from inside it).
  if (cniProblems.length === 0) releaseNetns(ctx, problems);
  await removeCgroups(ctx, uuid, opts.cgroupRoot, problems);
  return problems;
}
