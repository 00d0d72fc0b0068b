// Resource quantities as appc (and Kubernetes) write them: "128M", "1Gi", "500m" CPU.
// stage0 parses them from flags and stage1 from image manifests, so both live here.
// Arithmetic is done on BigInt digits: 1.1 * 1000 in floating point is 1100.0000000000002.
import { SkiffError } from './errors.ts';

// appc follows the Kubernetes quantity suffixes: decimal K/M/G… are powers of 1000 and
// the binary Ki/Mi/Gi… powers of 1024. `k` is the canonical spelling of kilo; `K` is
// accepted because everyone types it.
const BYTE_MULTIPLIERS: Readonly<Record<string, bigint>> = {
  '': 1n,
  k: 1000n,
  K: 1000n,
  M: 1000n ** 2n,
  G: 1000n ** 3n,
  T: 1000n ** 4n,
  P: 1000n ** 5n,
  E: 1000n ** 6n,
  Ki: 1024n,
  Mi: 1024n ** 2n,
  Gi: 1024n ** 3n,
  Ti: 1024n ** 4n,
  Pi: 1024n ** 5n,
  Ei: 1024n ** 6n,
};

const QUANTITY_RE = /^(\d+)(?:\.(\d+))?([A-Za-z]*)$/;

interface Decimal {
  /** All digits, without the point. */
  digits: bigint;
  /** How many of them are after the point. */
  scale: number;
  suffix: string;
}

function splitQuantity(value: string): Decimal | undefined {
  const m = QUANTITY_RE.exec(value.trim());
  if (!m) return undefined;
  const whole = m[1] ?? '0';
  const frac = m[2] ?? '';
  return { digits: BigInt(whole + frac), scale: frac.length, suffix: m[3] ?? '' };
}

/** `digits / 10^scale * multiplier` when that is a whole number, else undefined. */
function scaleExactly(d: Decimal, multiplier: bigint): bigint | undefined {
  const numerator = d.digits * multiplier;
  const denominator = 10n ** BigInt(d.scale);
  return numerator % denominator === 0n ? numerator / denominator : undefined;
}

function toSafeNumber(n: bigint, what: string, value: string): number {
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new SkiffError('USAGE', `${what} ${JSON.stringify(value)} is too large`);
  }
  return Number(n);
}

/**
 * Bytes from a quantity: plain bytes ("4096"), decimal ("128M" = 128,000,000) or binary
 * ("128Mi" = 134,217,728) suffixes, with an optional fraction ("1.5Gi").
 */
export function parseSize(value: string): number {
  const d = splitQuantity(value);
  const multiplier = d === undefined ? undefined : BYTE_MULTIPLIERS[d.suffix];
  if (d === undefined || multiplier === undefined) {
    // A lowercase m is milli in appc quantities: "16m" would be 0.016 bytes, a classic
    // slip for docker's "16m", so name the fix.
    const hint = /m$/.test(value.trim()) ? ' (m means milli: write M for megabytes or Mi for mebibytes)' : '';
    throw new SkiffError(
      'USAGE',
      `invalid size ${JSON.stringify(value)}: use bytes or a number with K, M, G, T, Ki, Mi, Gi or Ti${hint}`,
    );
  }
  const bytes = scaleExactly(d, multiplier);
  if (bytes === undefined) {
    throw new SkiffError('USAGE', `invalid size ${JSON.stringify(value)}: it is not a whole number of bytes`);
  }
  return toSafeNumber(bytes, 'size', value);
}

const IEC_UNITS = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'] as const;

/** A short human form for listings: "512 B", "1.5 KiB", "128 MiB". */
export function formatSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return `${bytes} B`;
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  let value = bytes;
  let unit = 'B';
  for (const u of IEC_UNITS) {
    if (value < 1024) break;
    value /= 1024;
    unit = u;
  }
  const text = value >= 100 || Number.isInteger(value) ? String(Math.round(value)) : value.toFixed(1).replace(/\.0$/, '');
  return `${text} ${unit}`;
}

/**
 * CPU millicores from an appc CPU quantity: "500m", "1" (= 1000), "1.5" (= 1500).
 * Sub-millicore values are refused: no kernel CPU controller can honour them.
 */
export function parseMillicores(value: string): number {
  const d = splitQuantity(value);
  const multiplier = d === undefined ? undefined : d.suffix === 'm' ? 1n : d.suffix === '' ? 1000n : undefined;
  const millis = d === undefined || multiplier === undefined ? undefined : scaleExactly(d, multiplier);
  if (millis === undefined) {
    throw new SkiffError(
      'USAGE',
      `invalid CPU quantity ${JSON.stringify(value)}: use cores ("1", "1.5") or millicores ("500m")`,
    );
  }
  if (millis === 0n) throw new SkiffError('USAGE', `invalid CPU quantity ${JSON.stringify(value)}: it must be above 0`);
  return toSafeNumber(millis, 'CPU quantity', value);
}
