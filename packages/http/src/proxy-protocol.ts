import type { Socket } from 'node:net';
import { type Endpoint, unmapIpv4 } from '@lvs7/core';

/**
 * Set on a socket whose client came in a PROXY header (read by the client
 * connection): the client and the address it connected to.
 */
export const PROXIED_ADDRESS = Symbol('lvs7.proxiedAddress');

/** Both ends of a client's connection, as a backend should hear of them (sendProxy). */
export interface ConnectionEnds {
  readonly client: Endpoint;
  readonly local: Endpoint;
}

type Tagged = Socket & { [PROXIED_ADDRESS]?: ConnectionEnds; _parent?: Tagged };

/** Remembers what a PROXY header said about `socket`'s client. */
export function tagProxied(socket: Socket, ends: ConnectionEnds): void {
  (socket as Tagged)[PROXIED_ADDRESS] = ends;
}

/**
 * The ends of a client connection: from its PROXY header if one was read
 * (on the socket itself, or for TLS on the raw socket it wraps, `_parent`),
 * else the socket's own addresses.
 */
export function connectionEnds(socket: Socket): ConnectionEnds {
  const tagged = socket as Tagged;
  const proxied = tagged[PROXIED_ADDRESS] ?? tagged._parent?.[PROXIED_ADDRESS];
  if (proxied !== undefined) return proxied;
  return {
    client: { address: unmapIpv4(socket.remoteAddress ?? ''), port: socket.remotePort ?? 0 },
    local: { address: unmapIpv4(socket.localAddress ?? ''), port: socket.localPort ?? 0 },
  };
}

/** The client address of a socket (PROXY header's, else the peer's). */
export function peerAddressOf(socket: Socket): string | undefined {
  const tagged = socket as Tagged;
  return (
    (tagged[PROXIED_ADDRESS] ?? tagged._parent?.[PROXIED_ADDRESS])?.client.address ?? socket.remoteAddress
  );
}
