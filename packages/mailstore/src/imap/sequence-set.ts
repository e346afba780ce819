import { ImapSyntaxError } from './parser.js';

/** A sequence set (`1:4,7,9:*`): ranges with `*` as 0 until resolved. */
export type SequenceSet = ReadonlyArray<readonly [number, number]>;

const SET = /^(?:\d+|\*)(?::(?:\d+|\*))?(?:,(?:\d+|\*)(?::(?:\d+|\*))?)*$/;

export function parseSequenceSet(text: string): SequenceSet {
  if (!SET.test(text))
    throw new ImapSyntaxError(`Error in IMAP command: invalid sequence set "${text.slice(0, 40)}"`);
  return text.split(',').map((part) => {
    const [a, b = a] = part.split(':') as [string, string?];
    const from = a === '*' ? 0 : Number(a);
    const to = b === '*' ? 0 : Number(b);
    if ((a !== '*' && from < 1) || (b !== '*' && to < 1) || from > 0xffffffff || to > 0xffffffff) {
      throw new ImapSyntaxError('Error in IMAP command: invalid sequence set (0 or too large)');
    }
    return [from, to] as const;
  });
}

export function isSequenceSet(text: string): boolean {
  return SET.test(text);
}

/**
 * The UIDs a set names: by sequence number (1-based index into `uids`) or,
 * with `byUid`, by UID. `*` is the last message; `n:*` includes the last
 * message even when n is beyond it (RFC 3501 9, seq-range).
 */
export function resolveSet(set: SequenceSet, uids: readonly number[], byUid: boolean): number[] {
  const last = byUid ? (uids[uids.length - 1] ?? 0) : uids.length;
  const out = new Set<number>();
  for (const [a, b] of set) {
    if (last === 0 && (a === 0 || b === 0)) continue; // `*` in an empty mailbox names nothing
    const x = a === 0 ? last : a;
    const y = b === 0 ? last : b;
    const lo = Math.min(x, y);
    const hi = Math.max(x, y);
    if (byUid) {
      for (let i = lowerBound(uids, lo); i < uids.length && uids[i]! <= hi; i++) out.add(uids[i]!);
    } else {
      if (hi > uids.length)
        throw new ImapSyntaxError('Error in IMAP command: invalid message sequence number');
      for (let i = lo; i <= hi; i++) out.add(uids[i - 1]!);
    }
  }
  return [...out].sort((p, q) => p - q);
}

/** Index of the first element >= value in an ascending array. */
export function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Compact set text for responses (COPYUID, SEARCH-like output): 1:3,5. */
export function formatSet(values: readonly number[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < values.length) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === values[j]! + 1) j++;
    parts.push(i === j ? `${values[i]}` : `${values[i]}:${values[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}
