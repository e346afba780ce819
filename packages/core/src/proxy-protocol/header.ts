import { Lvs7Error } from '../errors.js';

/**
 * HAProxy's PROXY protocol (doc/proxy-protocol.txt), versions 1 (one text
 * line) and 2 (binary): the header a load balancer writes before anything
 * else so the next hop learns who the client is.
 */
export type ProxyVersion = 'v1' | 'v2';

export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

export interface ProxyHeader {
  /** The real client; undefined for `PROXY UNKNOWN`, v2 LOCAL and families other than TCP over IPv4/IPv6. */
  readonly source: Endpoint | undefined;
  /** The address the client connected to (on the balancer in front), when known. */
  readonly destination: Endpoint | undefined;
}

export type ProxyHeaderErrorCode =
  /** Not a PROXY header, or a malformed one. */
  | 'LVS7_ERR_PROXY_HEADER_INVALID'
  /** Longer than the v1 line limit or the v2 size limit. */
  | 'LVS7_ERR_PROXY_HEADER_TOO_LONG'
  /** Not complete within the header timeout. */
  | 'LVS7_ERR_PROXY_HEADER_TIMEOUT'
  /** The connection closed first. */
  | 'LVS7_ERR_PROXY_HEADER_CLOSED';

/** A connection that had to start with a PROXY header did not; it is closed, never answered. */
export class ProxyHeaderError extends Lvs7Error {
  declare readonly code: ProxyHeaderErrorCode;
  constructor(code: ProxyHeaderErrorCode, message: string) {
    super(code, message);
  }
}

/** The 12 bytes every v2 header starts with. */
export const V2_SIGNATURE = Buffer.from([
  0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
]);

/** The spec's bound on a v1 line, CRLF included. */
export const V1_MAX_LENGTH = 107;

/**
 * Default bound on a whole v2 header. Addresses take at most 216 bytes; the
 * rest is TLVs (ALPN, authority, SSL details), which a few hundred bytes
 * hold. HAProxy itself caps the header at its buffer size.
 */
export const DEFAULT_MAX_HEADER_LENGTH = 4096;

/** Time allowed for the header by default (lvs7 listeners' `proxyHeaderTimeout`). */
export const DEFAULT_PROXY_HEADER_TIMEOUT = 5000;
