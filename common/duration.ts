// Durations for flags such as `gc --grace-period=DUR` and `status --wait=DUR`, written as
// Go's time.ParseDuration wrote them for rkt ("30s", "1h30m", "500ms"), plus a bare number
// meaning seconds.
import { SkiffError } from './errors.ts';

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const PLAIN_SECONDS_RE = /^\d+(\.\d+)?$/;
// Kept as source text: a sticky RegExp object carries lastIndex, which would be shared state.
const TERM_SOURCE = String.raw`(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)`;

function invalid(value: string): SkiffError {
  return new SkiffError(
    'USAGE',
    `invalid duration ${JSON.stringify(value)}: use seconds ("30") or units like "500ms", "30s", "5m", "1h30m"`,
  );
}

/** Milliseconds (possibly fractional for ns/us terms); negative durations are refused. */
export function parseDuration(value: string): number {
  const text = value.trim();
  if (PLAIN_SECONDS_RE.test(text)) return Number(text) * 1000;
  if (text === '') throw invalid(value);
  let total = 0;
  // A sticky regex walks the string term by term, so any junk between terms fails the match.
  const re = new RegExp(TERM_SOURCE, 'y');
  while (re.lastIndex < text.length) {
    const m = re.exec(text);
    if (!m) throw invalid(value);
    total += Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? Number.NaN);
  }
  if (!Number.isFinite(total)) throw invalid(value);
  return total;
}

/** The inverse for display: 5400000 → "1h30m", 1500 → "1.5s", 250 → "250ms". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return `${ms}ms`;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  const sText = Number.isInteger(s) ? String(s) : s.toFixed(3).replace(/0+$/, '');
  return `${h > 0 ? `${h}h` : ''}${m > 0 ? `${m}m` : ''}${s > 0 || (h === 0 && m === 0) ? `${sText}s` : ''}`;
}
