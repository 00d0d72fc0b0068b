// Progress for long imports, drawn on stderr only when it is a TTY (never in pipelines or logs).
import { writeSync } from 'node:fs';
import type { Progress } from '../common/context.ts';
import { formatSize } from '../common/size.ts';

export function createTtyProgress(fd = 2, now: () => number = Date.now): Progress | undefined {
  if (!process.stderr.isTTY) return undefined;
  let label = '';
  let total: number | undefined;
  let done = 0;
  let started = 0;
  let lastDraw = 0;
  const draw = (final: boolean): void => {
    const t = now();
    if (!final && t - lastDraw < 100) return;
    lastDraw = t;
    const secs = Math.max((t - started) / 1000, 0.001);
    const rate = `${formatSize(done / secs)}/s`;
    const amount = total ? `${formatSize(done)}/${formatSize(total)} ${Math.floor((100 * done) / total)}%` : formatSize(done);
    writeSync(fd, `\r\x1b[K${label}: ${amount} ${rate}${final ? '\n' : ''}`);
  };
  return {
    start(l, t) {
      label = l;
      total = t;
      done = 0;
      started = now();
      lastDraw = 0;
    },
    advance(bytes) {
      done += bytes;
      draw(false);
    },
    done() {
      draw(true);
    },
  };
}
