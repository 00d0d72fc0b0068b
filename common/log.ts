// One pino root per process, created by main() on fd 2 with synchronous writes, so a line
// logged right before execve or exit is never lost (pino's exit.test.js). The pretty format
// is a small line renderer rather than pino-pretty: it is on the start-up path of every run.
import { writeSync } from 'node:fs';
import type { Logger } from 'pino';

export type { Logger };
export type LogFormat = 'pretty' | 'json';

export interface LoggerOptions {
  debug: boolean;
  format: LogFormat;
  /** Shown before each pretty line: `skiff` for stage0, `skiff-stage1` for stage1. */
  name?: string;
  fd?: number;
}

const LEVEL_NAMES: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warning', 50: 'error', 60: 'fatal' };
const HIDDEN_KEYS = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'name']);

/** Renders one pino JSON line as `name: level: msg key=value…` (pure, for tests). */
export function renderPrettyLine(json: string, name: string, withFields: boolean): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const level = LEVEL_NAMES[Number(rec.level)] ?? 'log';
  let line = `${name}: ${level === 'info' ? '' : `${level}: `}${String(rec.msg ?? '')}`;
  if (withFields) {
    for (const [k, v] of Object.entries(rec)) {
      if (HIDDEN_KEYS.has(k)) continue;
      line += ` ${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`;
    }
  }
  return `${line}\n`;
}

export async function createRootLogger(opts: LoggerOptions): Promise<Logger> {
  const { default: pino } = await import('pino');
  const level = opts.debug ? 'debug' : 'info';
  const fd = opts.fd ?? 2;
  const name = opts.name ?? 'skiff';
  if (opts.format === 'json') {
    return pino({ level, base: { name }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ fd, sync: true }));
  }
  const stream = { write: (line: string) => void writeSync(fd, renderPrettyLine(line, name, opts.debug)) };
  return pino({ level, base: undefined, timestamp: false }, stream);
}

/** A logger that drops everything: for library callers that pass none, and for tests. */
export async function createSilentLogger(): Promise<Logger> {
  const { default: pino } = await import('pino');
  return pino({ level: 'silent' });
}
