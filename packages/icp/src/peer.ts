import { isIP } from 'node:net';
import { InvalidIcpOptionError } from './errors.js';

/** A cache the client queries (Squid's `cache_peer HOST TYPE HTTP_PORT ICP_PORT`). */
export interface IcpPeer {
  /** For results and logs; default `host:port`. */
  readonly name?: string;
  /** An IP address (no DNS on the query path): replies must come from host:port. */
  readonly host: string;
  /** The peer's ICP port. */
  readonly port: number;
  /** A parent may fetch misses for us; a sibling only serves its hits (RFC 2187). */
  readonly type: 'parent' | 'sibling';
  /** Parents only: their ICP RTT is divided by this when ranking misses (Squid's weight=); default 1. */
  readonly weight?: number;
}

export function peerName(peer: IcpPeer): string {
  return peer.name ?? `${peer.host}:${peer.port}`;
}

/**
 * The key a datagram's source is looked up by: `address:port` as Node
 * reports it (IPv4-mapped IPv6 reduced to IPv4, IPv6 in canonical form).
 */
export function endpointKey(address: string, port: number): string {
  if (address.startsWith('::ffff:') && address.includes('.')) address = address.slice(7);
  return `${address}:${port}`;
}

/** Checks a peer once (when the client first sees it) and returns its key. */
export function validatePeer(peer: IcpPeer): string {
  const family = isIP(peer.host);
  if (family === 0) throw new InvalidIcpOptionError('peers', `host "${peer.host}" is not an IP address`);
  if (!Number.isInteger(peer.port) || peer.port < 1 || peer.port > 65535) {
    throw new InvalidIcpOptionError('peers', `port ${String(peer.port)} of ${peer.host} is not 1-65535`);
  }
  if (peer.type !== 'parent' && peer.type !== 'sibling') {
    throw new InvalidIcpOptionError(
      'peers',
      `type of ${peer.host}:${peer.port} must be "parent" or "sibling"`,
    );
  }
  if (peer.weight !== undefined && !(peer.weight > 0)) {
    throw new InvalidIcpOptionError('peers', `weight of ${peer.host}:${peer.port} must be > 0`);
  }
  // Node prints IPv6 sources in canonical form; bring the configured address to it.
  const host = family === 6 ? new URL(`http://[${peer.host}]/`).hostname.slice(1, -1) : peer.host;
  return endpointKey(host, peer.port);
}
