// CNI DEL of everything the teardown record lists, last step first (the gc entrypoint, and
// run when it fails half way; the monitor does the same in bash at the end of a run). DEL is
// idempotent in CNI, so running it again after a partial teardown is safe. The record goes
// once every step has succeeded.
import fs from 'node:fs';
import type { Host } from '../../../common/host.ts';
import { podCniDelConfigPath, podNetnsPath } from '../../../common/layout.ts';
import type { Logger } from '../../../common/log.ts';
import { readCniRecord, removeCniRecord } from './cni-record.ts';
import { runCniPlugin } from './run-cni.ts';

/** Runs the recorded DELs; returns what failed, one sentence each ([] when all went). */
export function teardownNetworks(ctx: { host: Pick<Host, 'run'>; log: Logger; podRoot: string }): string[] {
  let record;
  try {
    record = readCniRecord(ctx.podRoot);
  } catch (err) {
    return [(err as Error).message];
  }
  if (!record) return [];
  const problems: string[] = [];
  const netns = podNetnsPath(ctx.podRoot);
  for (let n = record.steps.length - 1; n >= 0; n--) {
    const step = record.steps[n]!;
    try {
      const stdin = JSON.parse(fs.readFileSync(podCniDelConfigPath(ctx.podRoot, n), 'utf8')) as Record<string, unknown>;
      const params = { containerId: record.containerId, netns, ifName: step.ifName, cniPath: record.cniPath };
      ctx.log.debug({ network: step.network, plugin: step.plugin, ifName: step.ifName }, 'CNI DEL');
      runCniPlugin(ctx.host, step.plugin, 'DEL', params, stdin);
    } catch (err) {
      problems.push(`network ${step.network}: ${(err as Error).message}`);
    }
  }
  if (problems.length === 0) removeCniRecord(ctx.podRoot);
  return problems;
}
