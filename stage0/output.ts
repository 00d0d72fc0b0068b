// stdout is for results only (IDs, UUIDs, --format=json), all through this one writer.
import { writeSync } from 'node:fs';

export interface Out {
  line(text: string): void;
  json(value: unknown): void;
}

export function createOut(fd = 1): Out {
  let closed = false;
  const write = (s: string): void => {
    if (closed) return;
    const buf = Buffer.from(s);
    let off = 0;
    try {
      while (off < buf.length) off += writeSync(fd, buf, off);
    } catch (err) {
      // The reader went away (`skiff list | head -1`): what it did not want is not an error.
      if ((err as NodeJS.ErrnoException).code !== 'EPIPE') throw err;
      closed = true;
    }
  };
  return {
    line: (text) => write(`${text}\n`),
    json: (value) => write(`${JSON.stringify(value, null, 2)}\n`),
  };
}

/** Renders rows as aligned columns for humans (pure). */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (r: readonly string[]): string =>
    r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [fmt(header), ...rows.map(fmt)].join('\n');
}
