// Calling one CNI plugin: config on stdin, parameters in the environment, result (or a CNI
// error object) on stdout. A failure carries the plugin's own message and error code.
import { SkiffError } from '../../../common/errors.ts';
import type { Host } from '../../../common/host.ts';
import { cniEnv } from './cni-chain.ts';
import type { CniCommand } from './cni-chain.ts';
import type { CniCallParams, CniResult } from './cni-types.ts';

/** Every exit status, so the plugin's JSON error on stdout can be read instead of a bare "exit 1". */
const ALL_CODES = Array.from({ length: 255 }, (_, i) => i + 1);

function errorText(stdout: string, stderr: string): string {
  try {
    const err = JSON.parse(stdout) as { code?: number; msg?: string; details?: string };
    if (typeof err.msg === 'string') return `${err.msg}${err.details ? `: ${err.details}` : ''}${err.code !== undefined ? ` (CNI error ${err.code})` : ''}`;
  } catch {
    // not JSON: fall back to stderr
  }
  return (stderr || stdout).trim().split('\n').slice(-3).join(' | ') || 'no message';
}

export function runCniPlugin(
  host: Pick<Host, 'run'>,
  plugin: string,
  command: CniCommand,
  params: CniCallParams,
  stdin: Record<string, unknown>,
): CniResult | undefined {
  const res = host.run(plugin, [], {
    input: JSON.stringify(stdin),
    env: cniEnv(command, params, process.env),
    okCodes: ALL_CODES,
  });
  if (res.code !== 0) {
    throw new SkiffError('STAGE1_FAILED', `CNI ${command} with ${plugin} on ${params.ifName} failed: ${errorText(res.stdout, res.stderr)}`);
  }
  if (command !== 'ADD') return undefined;
  try {
    return JSON.parse(res.stdout) as CniResult;
  } catch {
    throw new SkiffError('STAGE1_FAILED', `CNI ADD with ${plugin} printed no JSON result: ${res.stdout.slice(0, 200)}`);
  }
}
