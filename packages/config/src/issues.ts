import type { z } from 'zod';
import { describe } from './describe.js';
import type { Path, PathSegment } from './locate.js';
import { KNOWN_KEYS_MARKER } from './schema/common.js';

/** A problem before it is given a file position. */
export interface RawIssue {
  readonly path: Path;
  readonly message: string;
}

const EXPECTED: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'a mapping',
  record: 'a mapping',
  array: 'a list',
  tuple: 'a list',
};

/** Messages for issues whose schema gives none (passed to `safeParse` as its error map). */
export const errorMap: z.core.$ZodErrorMap = (iss) => {
  switch (iss.code) {
    case 'invalid_type':
      if (iss.input === undefined) return 'required';
      return `expected ${EXPECTED[iss.expected] ?? iss.expected}, got ${describe(iss.input)}`;
    case 'invalid_value':
      return iss.values.length === 1
        ? `expected ${JSON.stringify(iss.values[0])}`
        : `expected one of ${iss.values.map((v) => String(v)).join(', ')}; got ${describe(iss.input)}`;
    case 'too_small':
      if (iss.origin === 'array') return `expected at least ${iss.minimum} item(s)`;
      if (iss.origin === 'string') return Number(iss.minimum) <= 1 ? 'must not be empty' : `too short`;
      return `expected a number ${iss.inclusive ? '>=' : '>'} ${iss.minimum}`;
    case 'too_big':
      if (iss.origin === 'array') return `expected at most ${iss.maximum} item(s)`;
      if (iss.origin === 'string') return 'too long';
      return `expected a number ${iss.inclusive ? '<=' : '<'} ${iss.maximum}`;
    case 'invalid_format':
      return 'invalid format';
    case 'invalid_union':
      return 'invalid value';
    default:
      return undefined;
  }
};

/** Flattens zod issues into one RawIssue per problem (one per unknown key, the best union branch). */
export function fromZodIssues(issues: readonly z.core.$ZodIssue[], prefix: Path = []): RawIssue[] {
  const out: RawIssue[] = [];
  for (const issue of issues) {
    const path: PathSegment[] = [...prefix, ...(issue.path as PathSegment[])];
    switch (issue.code) {
      case 'unrecognized_keys': {
        const known = issue.message.startsWith(KNOWN_KEYS_MARKER)
          ? issue.message.slice(KNOWN_KEYS_MARKER.length).split(',')
          : [];
        for (const key of issue.keys) {
          const guess = closest(key, known);
          out.push({
            path: [...path, key],
            message: guess ? `unknown key (did you mean "${guess}"?)` : 'unknown key',
          });
        }
        break;
      }
      case 'invalid_union': {
        const branch = bestBranch(issue.errors);
        if (branch) out.push(...fromZodIssues(branch, path));
        else out.push({ path, message: issue.message });
        break;
      }
      case 'invalid_key': {
        const reason = issue.issues[0]?.message ?? 'invalid name';
        out.push({ path, message: `invalid name: ${reason}` });
        break;
      }
      default:
        out.push({ path, message: issue.message });
    }
  }
  return out;
}

/**
 * The union branch the input most likely meant: the one with the fewest
 * issues, not counting branches of the wrong type. Undefined when that is
 * ambiguous (then the union's own message is clearer).
 */
function bestBranch(
  branches: readonly (readonly z.core.$ZodIssue[])[],
): readonly z.core.$ZodIssue[] | undefined {
  let best: readonly z.core.$ZodIssue[] | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  let tie = false;
  for (const branch of branches) {
    const wrongType = branch.some(
      (i) => i.path.length === 0 && (i.code === 'invalid_type' || i.code === 'invalid_union'),
    );
    if (wrongType) continue;
    const score = branch.length;
    if (score < bestScore) [best, bestScore, tie] = [branch, score, false];
    else if (score === bestScore) tie = true;
  }
  return tie ? undefined : best;
}

/** The known key within edit distance 2 (and less than half its length) of `key`. */
function closest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.min(3, Math.ceil(key.length / 2));
  for (const candidate of known) {
    const d = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      // Transposition (Damerau): "wieght" is one edit from "weight".
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        row[j] = Math.min(row[j]!, before[j - 2]! + 1);
      }
    }
    [before, prev] = [prev, row];
  }
  return prev[b.length]!;
}
