import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Pool } from '@lvs7/core';
import {
  IcpAccessList,
  type IcpEndpoint,
  IcpResponder,
  type IcpResponderCounters,
  IcpSocket,
} from '@lvs7/icp';
import type { Logger } from 'pino';
import { CacheHandler } from './cache-handler.js';
import { Coalescer } from './coalescer.js';
import { DiskStore } from './disk-store.js';
import { Forwarder } from './forwarder.js';
import { viaToken } from './headers.js';
import { ObjectStore, type ObjectStoreStats } from './object-store.js';
import {
  type CacheNodeOptions,
  type CachePeerOptions,
  checkPeers,
  type ResolvedCacheOptions,
  type ResolvedPeer,
  resolveCacheOptions,
} from './options.js';
import { Peering } from './peering.js';
import { normalizeUrl } from './request-target.js';
import { type CacheCounters, newCounters } from './stats.js';
import { Upstream } from './upstream.js';

export interface CacheNodeInit {
  readonly options: CacheNodeOptions;
  /** The configuration's pools; `options.origin` names one. */
  readonly pools?: ReadonlyMap<string, Pool> | undefined;
  readonly logger: Logger;
}

export interface CacheNodeStats {
  readonly requests: Readonly<CacheCounters>;
  readonly store: ObjectStoreStats;
  /** Our ICP responder's answers to peers. */
  readonly icp: Readonly<IcpResponderCounters>;
  /** Misses being fetched now (one per URL, with coalescing). */
  readonly fillsInFlight: number;
}

/**
 * A cache node (`lvs7 cache`): an HTTP caching proxy (RFC 9111) on
 * `listen`, forward proxy for absolute-form requests and accelerator for
 * origin-form ones (the `origin` pool), with a memory store and an
 * optional disk store, peering with Squid-style siblings and parents over
 * ICP on `icp` (one UDP port answers and asks). Until start() has loaded
 * the store and listens, the ICP responder answers MISS_NOFETCH.
 */
export class CacheNode {
  readonly name: string;
  readonly options: ResolvedCacheOptions;
  readonly #logger: Logger;
  readonly #counters = newCounters();
  readonly #coalescer = new Coalescer();
  readonly #upstream: Upstream;
  #store: ObjectStore | undefined;
  #disk: DiskStore | undefined;
  #socket: IcpSocket | undefined;
  #responder: IcpResponder | undefined;
  #peering: Peering | undefined;
  #server: HttpServer | undefined;
  #peers: readonly ResolvedPeer[];

  constructor(init: CacheNodeInit) {
    this.options = resolveCacheOptions(init.options, init.pools ?? new Map());
    this.name = this.options.name;
    this.#logger = init.logger.child({ component: 'cache', node: this.name });
    this.#upstream = new Upstream(this.options.timeouts);
    this.#peers = this.options.peers;
  }

  /** Binds ICP (answering MISS_NOFETCH), loads the store, listens for HTTP, then answers normally. */
  async start(): Promise<void> {
    const o = this.options;
    this.#socket = await IcpSocket.bind({ host: o.icp.host, port: o.icp.port, logger: this.#logger });
    this.#responder = new IcpResponder({
      socket: this.#socket,
      allow: o.icpAccess,
      has: (url) => this.has(url),
      mode: 'hit-only',
      logger: this.#logger,
    });
    this.#peering = new Peering(this.#socket, o.icpTimeout, this.#peers);
    if (o.disk !== undefined) {
      this.#disk = await DiskStore.open({
        path: o.disk.path,
        size: o.disk.size,
        maxObjectSize: o.maxObjectSize,
        logger: this.#logger,
        onEvict: (meta) => this.#store?.onDiskEvict(meta),
      });
    }
    this.#store = new ObjectStore(o.memory, o.memoryMaxObjectSize, this.#disk);
    let handler: CacheHandler | undefined;
    const server = createServer({ keepAlive: true }, (req, res) => void handler!.handle(req, res));
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: o.listen.host, port: o.listen.port }, () => {
        server.off('error', reject);
        // Before any connection is accepted: X-Cache-Lookup names the port we got.
        handler = this.#createHandler();
        resolve();
      });
    });
    server.on('error', (error) => this.#logger.error({ err: error }, 'cache: HTTP server error'));
    // CONNECT (tunnels) is not relayed; Node would otherwise just drop the socket.
    server.on('connect', (_req, socket) => {
      socket.end('HTTP/1.1 501 Not Implemented\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    });
    this.#responder.setMode('normal');
    this.#logger.info(
      { http: this.address(), icp: this.icpAddress, peers: this.#peers.length },
      'cache node started',
    );
  }

  #createHandler(): CacheHandler {
    return new CacheHandler({
      identity: {
        name: this.name,
        via: viaToken(this.name),
        lookupName: `${this.name}:${this.address()?.port ?? this.options.listen.port}`,
      },
      store: this.#store!,
      coalescer: this.#coalescer,
      peering: this.#peering!,
      forwarder: new Forwarder(this.#upstream, this.options.origin, this.#logger),
      hasOrigin: this.options.origin !== undefined,
      access: new IcpAccessList(this.options.httpAccess),
      maxObjectSize: this.options.maxObjectSize,
      coalesceTimeout: this.options.coalesceTimeout,
      counters: this.#counters,
      logger: this.#logger,
    });
  }

  /** The HTTP address (the port chosen when `listen` had port 0). */
  address(): AddressInfo | null {
    const a = this.#server?.address();
    return a !== null && typeof a === 'object' ? a : null;
  }

  /** The ICP address (the port chosen when `icp` had port 0). */
  get icpAddress(): IcpEndpoint | undefined {
    return this.#socket?.address;
  }

  /** Whether a fresh object for this URL is stored (what the ICP responder answers HIT for). */
  has(url: string): boolean {
    if (this.#store === undefined) return false;
    try {
      return this.#store.hasFresh(normalizeUrl(url), Date.now());
    } catch {
      return false;
    }
  }

  /** Removes a URL (and its variants) from the store. */
  purge(url: string): void {
    this.#store?.invalidate(normalizeUrl(url));
  }

  /** Replaces the peers (e.g. on reload, or once every node of a cluster knows its ports). */
  setPeers(peers: readonly CachePeerOptions[]): void {
    this.#peers = checkPeers(peers);
    this.#peering?.setPeers(this.#peers);
  }

  /** The ICP client's view of each peer (alive, unanswered queries). */
  peerStatus(): ReturnType<Peering['client']['peers']> {
    return this.#peering?.client.peers() ?? [];
  }

  stats(): CacheNodeStats {
    const empty = { memoryObjects: 0, memoryBytes: 0, diskObjects: 0, diskBytes: 0 };
    const icp = { queries: 0, hits: 0, misses: 0, missNoFetch: 0, denied: 0, errors: 0 };
    return {
      requests: { ...this.#counters },
      store: this.#store?.stats() ?? empty,
      icp: this.#responder?.counters ?? icp,
      fillsInFlight: this.#coalescer.inFlight,
    };
  }

  /**
   * Stops: ICP answers MISS_NOFETCH at once, no new connections, idle ones
   * closed, requests in flight get `drainTimeoutMs` (default 5 000) to
   * finish, then everything closes and pending disk writes are flushed.
   */
  async close(drainTimeoutMs = 5_000): Promise<void> {
    this.#responder?.setMode('hit-only');
    const server = this.#server;
    if (server !== undefined) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), drainTimeoutMs);
      await closed;
      clearTimeout(timer);
    }
    this.#responder?.close();
    this.#peering?.close();
    await this.#socket?.close();
    await this.#upstream.close();
    await this.#disk?.close();
    this.#logger.info('cache node stopped');
  }
}
