import type { Socket } from 'node:net';
import type { ClientInfo } from './forwarded.js';
import type { ProxyRequest } from './proxy-request.js';
import type { UpstreamPools } from './upstream/pool.js';

/** What an exchange needs of the client connection it serves. */
export interface ClientSide {
  readonly info: ClientInfo;
  readonly upstreams: UpstreamPools;
  /** The connection closes after this exchange (listener draining). */
  readonly closing: boolean;
  /** Bytes that belong to the next request (pipelining): kept until this exchange is done. */
  stash(data: Buffer): void;
  /** Stop / restart reading (backpressure, or body held while connecting). */
  pause(): void;
  resume(): void;
  write(data: Buffer | string): boolean;
  /** Some written bytes are still referenced by a pending write (so a read buffer may not be reused). */
  readonly pendingWrites: boolean;
  /** Response head and first body bytes in one write. */
  writeHeadAndBody(head: string, body: Buffer): boolean;
  /** Cuts the connection (failure after part of the response went out). */
  abort(): void;
  /** Hands the socket over for a tunnel, with bytes already read past the request. */
  detach(): { socket: Socket; rest: Buffer | null };
  exchangeDone(request: ProxyRequest, keepAlive: boolean): void;
}
