import { isIP } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import type { Logger } from 'pino';
import { InvalidAnnouncerOptionsError } from './errors.js';
import type { FetchFunction } from './peer-poller.js';

export interface BgpAnnouncerOptions {
  /** The local lvs7 admin API base URL, e.g. `http://127.0.0.1:9900`. */
  readonly admin: string;
  /** The prefix to announce, `192.0.2.10/32`; a bare address means a host route. */
  readonly vip: string;
  /** Poll interval (ms); default 150 (100–200 is the intended range). */
  readonly intervalMs?: number | undefined;
  /** Per-poll timeout (ms); default 300. A poll that times out counts as failed. */
  readonly timeoutMs?: number | undefined;
  /**
   * Timeout of the first poll (ms); default 1 000. The first answer decides
   * alone (ExaBGP may still hold the route of a dead predecessor), so it gets
   * time for a cold start rather than withdrawing on a slow first request.
   */
  readonly startTimeoutMs?: number | undefined;
  /** Consecutive failed polls (no answer) before withdrawing; default 2. */
  readonly failures?: number | undefined;
  /** `next-hop` of the announcement; default `self`. */
  readonly nextHop?: string | undefined;
  /** After ExaBGP answers `error`, wait this long (ms) before sending again; default 1 000. */
  readonly retryAfterErrorMs?: number | undefined;
  /** ExaBGP's acknowledgements (`done`, `error`, `shutdown`): the process's stdin. */
  readonly stdin: Readable;
  /** Commands to ExaBGP: the process's stdout. Nothing else may be written there. */
  readonly stdout: Writable;
  /** Logs go here (stderr in the CLI), never to stdout. */
  readonly logger?: Logger | undefined;
  readonly fetch?: FetchFunction | undefined;
}

export interface ResolvedAnnouncerOptions {
  readonly admin: string;
  readonly prefix: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly startTimeoutMs: number;
  readonly failures: number;
  readonly nextHop: string;
  readonly retryAfterErrorMs: number;
}

/** Checks every option at once; throws InvalidAnnouncerOptionsError listing each problem. */
export function resolveAnnouncerOptions(options: BgpAnnouncerOptions): ResolvedAnnouncerOptions {
  const problems: string[] = [];
  let admin = String(options.admin);
  try {
    const url = new URL(admin);
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      problems.push(`admin: "${admin}" is not http(s)`);
    admin = admin.replace(/\/+$/, '');
  } catch {
    problems.push(`admin: "${admin}" is not a URL`);
  }
  const prefix = normalizePrefix(String(options.vip));
  if (prefix === undefined) problems.push(`vip: "${String(options.vip)}" is not an address or prefix`);
  const resolved = {
    admin,
    prefix: prefix ?? '',
    intervalMs: options.intervalMs ?? 150,
    timeoutMs: options.timeoutMs ?? 300,
    startTimeoutMs: options.startTimeoutMs ?? 1_000,
    failures: options.failures ?? 2,
    nextHop: options.nextHop ?? 'self',
    retryAfterErrorMs: options.retryAfterErrorMs ?? 1_000,
  };
  for (const key of ['intervalMs', 'timeoutMs', 'startTimeoutMs', 'failures', 'retryAfterErrorMs'] as const) {
    if (!Number.isInteger(resolved[key]) || resolved[key] < 1) {
      problems.push(`${key}: ${resolved[key]} is not a positive integer`);
    }
  }
  if (resolved.nextHop !== 'self' && isIP(resolved.nextHop) === 0) {
    problems.push(`nextHop: "${resolved.nextHop}" is neither "self" nor an IP address`);
  }
  if (problems.length > 0) throw new InvalidAnnouncerOptionsError(problems);
  return Object.freeze(resolved);
}

/** `192.0.2.10` → `192.0.2.10/32`; `2001:db8::1` → `2001:db8::1/128`; checks the length. */
export function normalizePrefix(vip: string): string | undefined {
  const [address = '', length, extra] = vip.trim().split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return undefined;
  const max = family === 4 ? 32 : 128;
  if (length === undefined) return `${address}/${max}`;
  if (!/^\d{1,3}$/.test(length) || Number(length) > max) return undefined;
  return `${address}/${Number(length)}`;
}
