import type { Server } from '@lvs7/core';
import { UpstreamConnection, type UpstreamHandler, type UpstreamOwner } from './connection.js';

function samePreamble(a: Buffer | null, b: Buffer | null): boolean {
  return a === b || (a !== null && b !== null && a.equals(b));
}

export interface UpstreamPoolOptions {
  readonly idleTimeout: number;
  readonly maxIdlePerServer: number;
}

/**
 * Keep-alive connections to every server a listener talks to, per Server
 * object: idle ones on a LIFO stack (the warmest first, the coldest age
 * out at the bottom). One interval sweeps idle connections past their
 * timeout, so going idle costs no timer per request. Server.inactive
 * mirrors the idle count.
 */
export class UpstreamPools implements UpstreamOwner {
  readonly #idle = new Map<Server, UpstreamConnection[]>();
  readonly #all = new Set<UpstreamConnection>();
  #options: UpstreamPoolOptions;
  #sweep: NodeJS.Timeout | undefined;

  constructor(options: UpstreamPoolOptions) {
    this.#options = options;
  }

  set options(options: UpstreamPoolOptions) {
    this.#options = options;
  }

  get size(): number {
    return this.#all.size;
  }

  /**
   * An idle connection to `server` now bound to `handler` (check `ready`:
   * then write at once), or a new one that calls handler.onUpstreamReady.
   * With a `preamble` (a PROXY header naming the client) only a connection
   * opened with the same header is reused: a backend that believes the
   * header must never see another client's requests on it.
   */
  acquire(
    server: Server,
    handler: UpstreamHandler,
    connectTimeout: number,
    preamble: Buffer | null = null,
  ): UpstreamConnection {
    const idle = this.#idle.get(server);
    // The warmest first; without PROXY headers that is always the top one.
    for (let i = (idle?.length ?? 0) - 1; i >= 0; i--) {
      const conn = idle![i]!;
      const dead = conn.socket.destroyed || conn.socket.readableEnded;
      if (!dead && !samePreamble(conn.preamble, preamble)) continue;
      idle!.splice(i, 1);
      server.inactive--;
      if (dead) {
        conn.destroy();
        continue;
      }
      conn.handler = handler;
      return conn;
    }
    const conn = new UpstreamConnection(server, this, handler, connectTimeout, preamble);
    this.#all.add(conn);
    return conn;
  }

  /** The exchange is over and the connection clean: keep it for the next request. */
  release(conn: UpstreamConnection): void {
    const server = conn.server;
    let idle = this.#idle.get(server);
    if (idle === undefined) this.#idle.set(server, (idle = []));
    if (idle.length >= this.#options.maxIdlePerServer || conn.socket.destroyed) {
      conn.destroy();
      return;
    }
    conn.handler = null;
    // Backpressure may have paused it on the last chunk; an idle socket must read to notice a close.
    if (conn.socket.isPaused()) conn.socket.resume();
    conn.idleSince = performance.now();
    idle.push(conn);
    server.inactive++;
    if (this.#sweep === undefined) {
      // Fine enough that a connection never outlives idleTimeout by much (servers close theirs soon after).
      const every = Math.max(50, Math.min(500, this.#options.idleTimeout / 4));
      this.#sweep = setInterval(() => this.#sweepIdle(), every);
      this.#sweep.unref();
    }
  }

  onConnectionClosed(conn: UpstreamConnection): void {
    this.#all.delete(conn);
    const idle = this.#idle.get(conn.server);
    if (idle === undefined) return;
    const at = idle.indexOf(conn);
    if (at >= 0) {
      idle.splice(at, 1);
      conn.server.inactive--;
    }
  }

  /** Closes idle connections to servers for which `keep` says no (removed from their pool). */
  prune(keep: (server: Server) => boolean): void {
    for (const [server, idle] of this.#idle) {
      if (keep(server)) continue;
      for (const conn of idle.splice(0)) {
        server.inactive--;
        conn.destroy();
      }
      this.#idle.delete(server);
    }
  }

  closeIdle(): void {
    this.prune(() => false);
  }

  /** Closes everything, busy connections included. */
  destroy(): void {
    this.closeIdle();
    for (const conn of this.#all) conn.destroy();
    this.#all.clear();
    if (this.#sweep !== undefined) clearInterval(this.#sweep);
    this.#sweep = undefined;
  }

  #sweepIdle(): void {
    const deadline = performance.now() - this.#options.idleTimeout;
    let any = false;
    for (const [server, idle] of this.#idle) {
      let n = 0;
      while (n < idle.length && idle[n]!.idleSince <= deadline) n++;
      for (const conn of idle.splice(0, n)) {
        server.inactive--;
        conn.destroy();
      }
      if (idle.length > 0) any = true;
    }
    if (!any && this.#sweep !== undefined) {
      clearInterval(this.#sweep);
      this.#sweep = undefined;
    }
  }
}
