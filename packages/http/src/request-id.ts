import { randomBytes } from 'node:crypto';
import { InvalidHttpOptionError } from './errors.js';
import { TOKEN } from './http1/chars.js';
import type { Fields } from './http1/fields.js';
import type { RequestIdOptions } from './options.js';

/** A listener's request-id settings, compiled. */
export interface RequestIdRuntime {
  /** Field name as written on the wire, e.g. `X-Request-Id`. */
  readonly name: string;
  readonly lower: string;
  /** Keep a well-formed incoming id from any client, not only from trustedProxies. */
  readonly trustIncoming: boolean;
  /** Return the id to the client on the response. */
  readonly response: boolean;
}

export const REQUEST_ID_MAX = 128;

export function compileRequestId(options: RequestIdOptions | undefined): RequestIdRuntime | null {
  if (options?.enabled === false) return null;
  const name = options?.header ?? 'X-Request-Id';
  let ok = name.length > 0;
  for (let i = 0; ok && i < name.length; i++) ok = TOKEN[name.charCodeAt(i)] === 1;
  if (!ok) throw new InvalidHttpOptionError(`requestId.header: invalid header name "${name}"`);
  const lower = name.toLowerCase();
  if (
    lower === 'host' ||
    lower === 'connection' ||
    lower === 'content-length' ||
    lower === 'transfer-encoding'
  ) {
    throw new InvalidHttpOptionError(`requestId.header: ${name} cannot carry a request id`);
  }
  return {
    name,
    lower,
    trustIncoming: options?.trustIncoming === true,
    response: options?.response !== false,
  };
}

/**
 * Ids we make: a random prefix drawn once per process, then a counter —
 * unique across processes and restarts without a crypto call per request
 * (HAProxy's unique-id and nginx's $request_id make the same trade-off the
 * other way round; this one costs one string concatenation).
 */
const PREFIX = `${randomBytes(6).toString('base64url')}-`;
let counter = 0;

export function generateRequestId(): string {
  return PREFIX + (++counter).toString(36);
}

/** Visible ASCII only (no space, no control, no 8-bit), 1 to 128 characters. */
export function validRequestId(value: string): boolean {
  const n = value.length;
  if (n === 0 || n > REQUEST_ID_MAX) return false;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

/** What a request carries: `undefined` when no such field, `null` when it came more than once. */
export function incomingRequestId(fields: Fields, lower: string): string | null | undefined {
  const names = fields.lower;
  let found: string | undefined;
  for (let i = 0; i < names.length; i++) {
    if (names[i] !== lower) continue;
    if (found !== undefined) return null;
    found = fields.values[i]!;
  }
  return found;
}

/** Whether a received id is passed on: well-formed, and from a client we trust (or trustIncoming). */
export function keepsIncoming(
  rid: RequestIdRuntime,
  incoming: string | null | undefined,
  trustedClient: boolean,
): incoming is string {
  return typeof incoming === 'string' && (rid.trustIncoming || trustedClient) && validRequestId(incoming);
}

/** What one request does about its id. */
export interface RequestIdDecision {
  /** The id of the exchange (logged, returned). */
  readonly id: string;
  /** Our id field for the server ('' when the received id is passed on as it is). */
  readonly line: string;
  /** Lower-case name of a received id field ours replaces, else null. */
  readonly drop: string | null;
}

/** Keeps a received id we may trust, else makes one (and replaces any received field). */
export function decideRequestId(
  rid: RequestIdRuntime,
  fields: Fields,
  trustedClient: boolean,
): RequestIdDecision {
  const incoming = incomingRequestId(fields, rid.lower);
  if (keepsIncoming(rid, incoming, trustedClient)) return { id: incoming, line: '', drop: null };
  const id = generateRequestId();
  return { id, line: rid.name + ': ' + id + '\r\n', drop: incoming === undefined ? null : rid.lower };
}

/** The id field for the client's response ('' when the listener does not return ids). */
export function responseIdLine(rid: RequestIdRuntime | null, id: string | null): string {
  return rid?.response === true ? rid.name + ': ' + id + '\r\n' : '';
}
