import { isIP } from 'node:net';
import { parseHostPort } from '@lvs7/core';
import { z } from 'zod';
import { describe } from '../describe.js';
import {
  DURATION_PATTERN,
  PERCENT_PATTERN,
  parseDuration,
  parsePercent,
  parseSize,
  SIZE_PATTERN,
} from '../durations.js';

/**
 * Unknown-key issues of `obj()` schemas carry this marker and the known keys,
 * so that issues.ts can say "did you mean ...". Never shown to users.
 */
export const KNOWN_KEYS_MARKER = '\u0000known-keys:';

/** A strict object (unknown keys are errors). */
export function obj<T extends z.ZodRawShape>(shape: T) {
  const known = Object.keys(shape).join(',');
  return z.strictObject(shape, {
    error: (iss) => (iss.code === 'unrecognized_keys' ? KNOWN_KEYS_MARKER + known : undefined),
  });
}

export const DURATION_MESSAGE = 'expected a duration such as 500ms, 2s, 1.5m or 1h';

/** A duration → milliseconds; `positive` rejects 0. */
export function duration(options: { positive?: boolean } = {}) {
  const ms = z
    .union(
      [
        z.number({ error: DURATION_MESSAGE }).min(0, { error: DURATION_MESSAGE }),
        z.string({ error: DURATION_MESSAGE }).regex(DURATION_PATTERN, { error: DURATION_MESSAGE }),
      ],
      { error: DURATION_MESSAGE },
    )
    .transform((v) => parseDuration(v) ?? 0);
  return options.positive ? ms.refine((v) => v > 0, { error: 'must be greater than 0' }) : ms;
}

const SIZE_MESSAGE = 'expected a size such as 1024, 64KiB or 16MB';

/** A size → bytes (k/K/KB/KiB = 1024, as HAProxy and nginx). */
export function size() {
  return z
    .union(
      [
        z.int({ error: SIZE_MESSAGE }).min(0, { error: SIZE_MESSAGE }),
        z.string({ error: SIZE_MESSAGE }).regex(SIZE_PATTERN, { error: SIZE_MESSAGE }),
      ],
      { error: SIZE_MESSAGE },
    )
    .transform((v) => parseSize(v) ?? -1)
    .refine((v) => v >= 0, { error: 'size is too large' });
}

const PERCENT_MESSAGE = 'expected a percentage from 0% to 100%';

/** `50%` (or 50) → 50. */
export function percent() {
  return z
    .union(
      [
        z
          .number({ error: PERCENT_MESSAGE })
          .min(0, { error: PERCENT_MESSAGE })
          .max(100, { error: PERCENT_MESSAGE }),
        z.string({ error: PERCENT_MESSAGE }).regex(PERCENT_PATTERN, { error: PERCENT_MESSAGE }),
      ],
      { error: PERCENT_MESSAGE },
    )
    .transform((v) => parsePercent(v) ?? -1)
    .refine((v) => v >= 0, { error: PERCENT_MESSAGE });
}

/** An integer from `min` to `max` (inclusive). */
export function intRange(min: number, max: number) {
  const error = `expected an integer from ${min} to ${max}`;
  return z.int({ error }).min(min, { error }).max(max, { error });
}

/** An integer >= `min`. */
export function intMin(min: number) {
  const error = `expected an integer >= ${min}`;
  return z.int({ error }).min(min, { error });
}

export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Pool, server, listener and directory names. */
export function name() {
  return z.string().regex(NAME_PATTERN, {
    error: 'names are 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit',
  });
}

/** A secret (password, token): redacted by `redactConfig`, marked `secret` in the JSON schema. */
export function secret() {
  return z.string().min(1, { error: 'must not be empty' }).meta({ secret: true, writeOnly: true });
}

export function nonEmpty() {
  return z.string().min(1, { error: 'must not be empty' });
}

/** A string, number or boolean, kept as a string (header and query values). */
export function scalarString() {
  return z
    .union([z.string(), z.number(), z.boolean()], { error: 'expected a string' })
    .transform((v) => String(v));
}

/** One item or a non-empty list of them, always a list afterwards. */
export function oneOrMore<T extends z.ZodType>(item: T) {
  return z
    .union([item, z.array(item).min(1, { error: 'expected at least one item' })])
    .transform((v): z.output<T>[] => (Array.isArray(v) ? v : [v]));
}

const HTTP_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** An HTTP header name (RFC 9110 token). */
export function headerName() {
  return z.string().regex(HTTP_TOKEN, { error: 'expected a header name (letters, digits, "-", ...)' });
}

/** A cookie name (RFC 6265 token). */
export function cookieName() {
  return z.string().regex(HTTP_TOKEN, { error: 'expected a cookie name' });
}

/** A URL path: starts with "/". */
export function urlPath() {
  return z.string().regex(/^\/\S*$/, { error: 'expected a path starting with "/"' });
}

/** A JavaScript regular expression (no flags) that must compile. */
export function regex() {
  return z.string().check((ctx) => {
    try {
      new RegExp(ctx.value);
    } catch (err) {
      const reason =
        err instanceof Error ? err.message.replace(/^Invalid regular expression: /, '') : String(err);
      ctx.issues.push({ code: 'custom', input: ctx.value, message: `invalid regular expression: ${reason}` });
    }
  });
}

const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const HOSTNAME = new RegExp(`^(?=.{1,253}$)${LABEL}(?:\\.${LABEL})*\\.?$`);

export function isHostname(text: string): boolean {
  return HOSTNAME.test(text) && !/^[\d.]+$/.test(text);
}

/** A problem with `host:port`, or undefined when it is valid. */
export function addressProblem(text: string, allowPortZero: boolean): string | undefined {
  let hp: { host: string; port: number };
  try {
    hp = parseHostPort(text);
  } catch {
    return `expected host:port, got "${text}"`;
  }
  if (text.startsWith('[') ? isIP(hp.host) !== 6 : isIP(hp.host) !== 4 && !isHostname(hp.host)) {
    return `invalid host "${hp.host}"`;
  }
  if (hp.port === 0 && !allowPortZero) return 'port must be from 1 to 65535';
  return undefined;
}

/** `host:port` (IPv6 as `[addr]:port`); `listen` addresses may use port 0 (any free port). */
export function address(options: { listen?: boolean } = {}) {
  const error = (iss: { input?: unknown }) =>
    iss.input === undefined ? 'required' : `expected host:port, got ${describe(iss.input)}`;
  return z.string({ error }).check((ctx) => {
    const problem = addressProblem(ctx.value, options.listen ?? false);
    if (problem) ctx.issues.push({ code: 'custom', input: ctx.value, message: problem });
  });
}

/** An IP address or CIDR block, IPv4 or IPv6. */
export function cidr() {
  return z.string().refine(
    (text) => {
      const [ip = '', prefix, ...rest] = text.split('/');
      const family = isIP(ip);
      if (family === 0 || rest.length > 0) return false;
      if (prefix === undefined) return true;
      return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
    },
    { error: 'expected an IP address or CIDR block such as 10.0.0.0/8' },
  );
}
