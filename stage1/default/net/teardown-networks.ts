// CNI DEL of everything the teardown record lists, last step first (the gc entrypoint, and
// run when it fails half way; the monitor does the same in bash at the end of a run). DEL is
// idempotent in CNI, so running it again after a partial teardown is safe. The record goes
// once every step has succeeded.
import fs from 'node:fs';
import type { Host } from '../../../common/host.ts';
import type { Logger } from '../../../common/log.ts';
import { readCniRecord, removeCniRecord } from './cni-record.ts';
import { runCniPlugin } from './run-cni.ts';

/** Runs the recorded DELs; returns what failed, one sentence each ([] when all went). */
export function teardownNetworks(ctx: { host: Pick<Host, 'run'>; log: Logger; podRoot: string }): string[] {
  const record = readCniRecord(ctx.podRoot);
  if (!record) return [];
  const problems: string[] = [];
  for (const step of [...record.steps].reverse()) {
    try {
      const stdin = JSON.parse(fs.readFileSync(step.config, 'utf8')) as Record<string, unknown>;
      const params = { containerId: record.containerId, netns: record.netns, ifName: step.ifName, cniPath: record.cniPath };
      ctx.log.debug({ network: step.network, plugin: step.plugin, ifName: step.ifName }, 'CNI DEL');
      runCniPlugin(ctx.host, step.plugin, 'DEL', params, stdin);
    } catch (err) {
      problems.push(`network ${step.network}: ${(err as Error).message}`);
    }
  }
  if (problems.length === 0) removeCniRecord(ctx.podRoot);
  return problems;
}
