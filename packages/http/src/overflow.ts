import { Pool, type Server } from '@lvs7/core';
import { type ClientInfo, forwardedLines } from './forwarded.js';
import { buildRequestHead, type HeaderRewrite, passUpgrade } from './headers.js';
import type { RequestHead } from './http1/request-head.js';
import type { ListenerRuntime, PoolRuntime } from './runtime.js';
import { EndpointStats } from './stats.js';

/** Marks a request another site forwarded: it is served where it lands and never forwarded again. */
export const OVERFLOW_HEADER = 'x-lvs7-overflow';

/** A peer site chosen for one request: its name and unicast address. */
export interface OverflowPeer {
  readonly peer: string;
  readonly address: string;
}

export type OverflowEvent = 'forwarded' | 'failed' | 'received';

/** What an HTTP listener needs of its site (lvs7's Site) to send requests to peer sites. */
export interface HttpOverflowHook {
  /** This site's name: the value of the mark. */
  readonly site: string;
  /** This site's unicast address: forwarded requests leave from it, which is how the peer knows them. */
  readonly address: string;
  /** Per new unmarked request: a peer site to send it to, or undefined to serve it here. */
  decide(): OverflowPeer | undefined;
  /** The peer site whose unicast address `address` is, or undefined. */
  peerAt(address: string): string | undefined;
  /** Counts, for metrics: forwarded, failed to reach the peer (then served here), received marked from a peer. */
  record(event: OverflowEvent, peer: string): void;
}

/** A client's own mark is never passed on: ours replaces it. */
const STRIP_MARK: HeaderRewrite = { remove: new Set([OVERFLOW_HEADER]), lines: '' };

/**
 * Layer-7 overflow of one listener: decides per request whether it goes to
 * a peer site, and keeps a one-server pool per peer (its unicast address,
 * on this listener's port) so the request runs through the normal
 * exchange: keep-alive upstream connections, streaming, timeouts.
 */
export class HttpOverflow {
  readonly hook: HttpOverflowHook;
  readonly #port: () => number;
  readonly #mark: string;
  readonly #peers = new Map<string, PoolRuntime>();
  readonly #names = new Map<PoolRuntime, string>();

  constructor(hook: HttpOverflowHook, port: () => number) {
    this.hook = hook;
    this.#port = port;
    this.#mark = `X-Lvs7-Overflow: ${hook.site}\r\n`;
  }

  /**
   * Per new request: the peer pool to send it to, or null to serve it here.
   * A marked request from a peer's address stays here; a mark from anyone
   * else is ignored (clients can neither opt out nor pose as a peer).
   */
  divert(req: RequestHead, clientAddress: string): PoolRuntime | null {
    if (req.has(OVERFLOW_HEADER)) {
      const from = this.hook.peerAt(clientAddress);
      if (from !== undefined) {
        this.hook.record('received', from);
        return null;
      }
    }
    const target = this.hook.decide();
    if (target === undefined) return null;
    this.hook.record('forwarded', target.peer);
    return this.#runtime(target);
  }

  /** The peer of `prt` could not be reached: the request is served here. */
  failed(prt: PoolRuntime): void {
    const peer = this.#names.get(prt);
    if (peer !== undefined) this.hook.record('failed', peer);
  }

  /** Whether `server` is a peer site (its idle connections are not pruned with the pools). */
  has(server: Server): boolean {
    for (const prt of this.#peers.values()) if (prt.pool.get(server.name) === server) return true;
    return false;
  }

  /** The request head for the peer: the target and Host as received (the peer routes it), marked. */
  head(
    rt: ListenerRuntime,
    req: RequestHead,
    client: ClientInfo,
    server: Server,
    idLine: string,
    dropId: string | null,
  ): string {
    return buildRequestHead(req, {
      target: req.target,
      host: req.authority !== '' ? req.authority : server.address,
      rewrite: STRIP_MARK,
      dropForwarded: rt.dropForwarded,
      extra: forwardedLines(rt.forwarded, req, client) + rt.via[req.minor]! + idLine + this.#mark,
      drop: dropId,
      upgrade: passUpgrade(req),
    });
  }

  #runtime(target: OverflowPeer): PoolRuntime {
    const port = this.#port();
    const key = `${target.peer}|${target.address}|${port}`;
    let prt = this.#peers.get(key);
    if (prt === undefined) {
      for (const [k, old] of this.#peers) {
        if (this.#names.get(old) === target.peer) {
          this.#peers.delete(k);
          this.#names.delete(old);
        }
      }
      const host = target.address.includes(':') ? `[${target.address}]` : target.address;
      const pool = new Pool(`site:${target.peer}`, {
        scheduler: 'rr',
        servers: [{ name: target.peer, address: `${host}:${port}`, source: this.hook.address }],
      });
      prt = { pool, queueTimeout: 1, maxQueue: 0, outlier: null, icp: null, stats: new EndpointStats() };
      this.#peers.set(key, prt);
      this.#names.set(prt, target.peer);
    }
    return prt;
  }
}
