// Progress for long imports and pulls, drawn on stderr only when it is a TTY (never in pipelines
// or logs): one overall line (bytes, total, rate) and, for transfers running side by side (a
// pull's layers), one line each below it, redrawn in place with cursor-up.
import { writeSync } from 'node:fs';
import type { Progress, ProgressItem } from '../common/context.ts';
import { formatSize } from '../common/size.ts';

interface Line {
  label: string;
  total: number | undefined;
  done: number;
  started: number;
  note?: string;
  finished: boolean;
  /** When it finished: its rate stops there. */
  ended?: number;
}

/** One line of text for a transfer. Pure. */
export function formatProgressLine(l: Readonly<Line>, now: number): string {
  if (l.note !== undefined) return `${l.label}: ${l.note}`;
  const secs = Math.max(((l.ended ?? now) - l.started) / 1000, 0.001);
  const rate = `${formatSize(l.done / secs)}/s`;
  const amount = l.total ? `${formatSize(l.done)}/${formatSize(l.total)} ${Math.floor((100 * l.done) / l.total)}%` : formatSize(l.done);
  return `${l.label}: ${amount}${l.finished ? ' done' : ''} ${rate}`;
}

export function createTtyProgress(fd = 2, now: () => number = Date.now): Progress | undefined {
  if (!process.stderr.isTTY) return undefined;
  let main: Line = { label: '', total: undefined, done: 0, started: 0, finished: false };
  let items: Line[] = [];
  let drawnLines = 0;
  let lastDraw = 0;
  const draw = (final: boolean): void => {
    const t = now();
    if (!final && t - lastDraw < 100) return;
    lastDraw = t;
    const lines = [main, ...items].map((l) => `\x1b[K${formatProgressLine(l, t)}`);
    const up = drawnLines > 1 ? `\x1b[${drawnLines - 1}A` : '';
    writeSync(fd, `${up}\r${lines.join('\n')}${final ? '\n' : ''}`);
    drawnLines = lines.length;
  };
  return {
    start(label, total) {
      main = { label, total, done: 0, started: now(), finished: false };
      items = [];
      drawnLines = 0;
      lastDraw = 0;
    },
    advance(bytes) {
      main.done += bytes;
      draw(false);
    },
    done() {
      main.finished = true;
      draw(true);
      drawnLines = 0;
    },
    item(label, total): ProgressItem {
      const line: Line = { label, total, done: 0, started: now(), finished: false };
      items.push(line);
      return {
        advance(bytes) {
          line.done += bytes;
          main.done += bytes;
          draw(false);
        },
        done(note) {
          line.finished = true;
          line.ended = now();
          if (note !== undefined) line.note = note;
          // Count a skipped layer as done, so the overall line reaches its total.
          if (note !== undefined && line.total !== undefined) main.done += line.total - line.done;
          draw(false);
        },
      };
    },
  };
}
