// One root logger per process, created by main() on fd 2 with synchronous writes, so a line
// logged right before execve or exit is never lost (pino's exit.test.js). With --debug or
// --log-format=json it is pino, whose pretty format is a small line renderer rather than
// pino-pretty. Without either, what reaches the user is `name: level: message` and nothing
// else (fields are debug output), so a plain writer prints exactly those lines and pino is
// never loaded: ~10 ms of every start-up, paid twice on `skiff run` (stage0 and stage1).
import { writeSync } from 'node:fs';

export type LogFormat = 'pretty' | 'json';

/** How skiff logs: pino's calls, those skiff uses. A pino logger is one. */
export interface LogFn {
  (obj: object, msg?: string): void;
  (msg: string): void;
}

export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  child(bindings: Record<string, unknown>): Logger;
  isLevelEnabled(level: string): boolean;
}

export interface LoggerOptions {
  debug: boolean;
  format: LogFormat;
  /** Shown before each pretty line: `skiff` for stage0, `skiff-stage1` for stage1. */
  name?: string;
  fd?: number;
}

const LEVEL_NAMES: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warning', 50: 'error', 60: 'fatal' };
const HIDDEN_KEYS = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'name']);

/** `name: level: message`, the level left out for info. */
function prettyLine(name: string, level: string, msg: string): string {
  return `${name}: ${level === 'info' ? '' : `${level}: `}${msg}`;
}

/** Renders one pino JSON line as `name: level: msg key=value…` (pure, for tests). */
export function renderPrettyLine(json: string, name: string, withFields: boolean): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  let line = prettyLine(name, LEVEL_NAMES[Number(rec.level)] ?? 'log', String(rec.msg ?? ''));
  if (withFields) {
    for (const [k, v] of Object.entries(rec)) {
      if (HIDDEN_KEYS.has(k)) continue;
      line += ` ${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`;
    }
  }
  return `${line}\n`;
}

/** The text pino makes the message of a call: the string, else the msg argument, else an Error's message. */
function messageOf(first: object | string, msg: string | undefined): string {
  if (typeof first === 'string') return first;
  if (msg !== undefined) return msg;
  if (first instanceof Error) return first.message;
  const own = (first as { msg?: unknown }).msg;
  return own === undefined ? '' : String(own);
}

/** Info and up as `name: level: message` lines, debug dropped: the pretty format without --debug. */
export function createPlainLogger(name: string, fd: number): Logger {
  const at = (level: string): LogFn =>
    ((first: object | string, msg?: string) => void writeSync(fd, `${prettyLine(name, level, messageOf(first, msg))}\n`)) as LogFn;
  const logger: Logger = {
    debug: (() => undefined) as LogFn,
    info: at('info'),
    warn: at('warning'),
    error: at('error'),
    child: () => logger,
    isLevelEnabled: (level) => ['info', 'warn', 'error', 'fatal'].includes(level),
  };
  return logger;
}

export async function createRootLogger(opts: LoggerOptions): Promise<Logger> {
  const fd = opts.fd ?? 2;
  const name = opts.name ?? 'skiff';
  if (!opts.debug && opts.format === 'pretty') return createPlainLogger(name, fd);
  const { default: pino } = await import('pino');
  const level = opts.debug ? 'debug' : 'info';
  if (opts.format === 'json') {
    return asLogger(pino({ level, base: { name }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ fd, sync: true })));
  }
  const stream = { write: (line: string) => void writeSync(fd, renderPrettyLine(line, name, opts.debug)) };
  return asLogger(pino({ level, base: undefined, timestamp: false }, stream));
}

/** A logger that drops everything: for library callers that pass none, and for tests. */
export async function createSilentLogger(): Promise<Logger> {
  const { default: pino } = await import('pino');
  return asLogger(pino({ level: 'silent' }));
}

/**
 * A pino logger as skiff's Logger. pino's type has an index signature for custom levels,
 * whose `then` would make an async function try to await the logger.
 */
function asLogger(logger: Logger): Logger {
  return logger;
}
