/**
 * Durations, sizes and percentages as written in configuration files.
 *
 * - Durations: `500ms`, `2s`, `1.5s`, `2m`, `1h`, `1d`, or a bare number of
 *   milliseconds. The result is a number of milliseconds.
 * - Sizes follow HAProxy/nginx: `k`/`K`/`KB`/`KiB` = 1024 bytes, `m`/`M`/`MB`/`MiB`
 *   = 1024², `g`/`G`/`GB`/`GiB` = 1024³; a bare number (or a `B` suffix) is bytes.
 *   The result is a whole number of bytes (rounded).
 * - Percentages: `50%` or a bare number 0–100. The result is the number (50, not 0.5).
 */

const DURATION_UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

const SIZE_UNITS: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};

/** Matches the string forms `parseDuration` accepts (used in the JSON schema too). */
export const DURATION_PATTERN = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/;
/** Matches the string forms `parseSize` accepts. */
export const SIZE_PATTERN = /^\s*(\d+(?:\.\d+)?)\s*([kmg](?:i?b)?|b)?\s*$/i;
/** Matches the string forms `parsePercent` accepts. */
export const PERCENT_PATTERN = /^\s*(\d+(?:\.\d+)?)\s*%?\s*$/;

/** Milliseconds, or undefined when `value` is not a duration. */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  const m = DURATION_PATTERN.exec(value);
  if (!m) return undefined;
  return Number(m[1]) * DURATION_UNITS[m[2] ?? 'ms']!;
}

/** Bytes, or undefined when `value` is not a size. */
export function parseSize(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  const m = SIZE_PATTERN.exec(value);
  if (!m) return undefined;
  const bytes = Math.round(Number(m[1]) * SIZE_UNITS[(m[2] ?? '').toLowerCase()]!);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** A number from 0 to 100, or undefined when `value` is not a percentage. */
export function parsePercent(value: string | number): number | undefined {
  const n = typeof value === 'number' ? value : PERCENT_PATTERN.test(value) ? Number.parseFloat(value) : NaN;
  return Number.isFinite(n) && n >= 0 && n <= 100 ? n : undefined;
}

/** `1500` → `1.5s`, `120000` → `2m`: the shortest exact form, for messages. */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    const factor = DURATION_UNITS[unit]!;
    if (ms >= factor && Number.isInteger((ms / factor) * 1000)) return `${ms / factor}${unit}`;
  }
  return `${ms}ms`;
}
