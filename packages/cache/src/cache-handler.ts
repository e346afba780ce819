import type { IncomingMessage, ServerResponse } from 'node:http';
import type { IcpAccessList } from '@lvs7/icp';
import type { Logger } from 'pino';
import { single } from './cache-control.js';
import { freshenMeta } from './cacheability.js';
import type { Coalescer } from './coalescer.js';
import { AccessDeniedError, ForwardingLoopError, OnlyIfCachedMissError } from './errors.js';
import { Exchange, type NodeIdentity } from './exchange.js';
import type { Forwarder } from './forwarder.js';
import { usableWithoutValidation } from './freshness.js';
import { upstreamRequestHeaders, viaNames } from './headers.js';
import type { ObjectStore } from './object-store.js';
import type { Peering } from './peering.js';
import { relay } from './relay.js';
import { requestTarget } from './request-target.js';
import { sendError } from './responses.js';
import { serveStored } from './serve-stored.js';
import { type CacheCounters, count } from './stats.js';
import { hasValidator, type ObjectMeta } from './stored-object.js';

export interface CacheHandlerDeps {
  readonly identity: NodeIdentity;
  readonly store: ObjectStore;
  readonly coalescer: Coalescer;
  readonly peering: Peering;
  readonly forwarder: Forwarder;
  readonly hasOrigin: boolean;
  /** Who may use the node over HTTP. */
  readonly access: IcpAccessList;
  readonly maxObjectSize: number;
  readonly coalesceTimeout: number;
  readonly counters: CacheCounters;
  readonly logger: Logger;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

/**
 * The cache node's request path: a fresh stored object is served at once;
 * a stale one is revalidated (304 → served, refreshed); a miss is
 * coalesced with a fill in progress or fetched over the hops peer
 * selection gives (sibling HIT, parent, origin), streamed to the client and
 * stored. Methods other than GET and HEAD pass through and invalidate.
 */
export class CacheHandler {
  readonly #d: CacheHandlerDeps;

  constructor(deps: CacheHandlerDeps) {
    this.#d = deps;
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let ex: Exchange | undefined;
    try {
      const client = req.socket.remoteAddress ?? '';
      if (!this.#d.access.allows(client)) throw new AccessDeniedError(client);
      ex = new Exchange(req, res, requestTarget(req, this.#d.hasOrigin), this.#d.identity);
      this.#watch(ex);
      if (viaNames(req.headers, this.#d.identity.via)) throw new ForwardingLoopError(this.#d.identity.name);
      if (ex.method === 'GET' || ex.method === 'HEAD') await this.#cacheable(ex);
      else await this.#passThrough(ex);
    } catch (error) {
      if (ex === undefined) {
        ex = new Exchange(req, res, { url: req.url ?? '', accelerated: false }, this.#d.identity);
        this.#watch(ex);
      }
      this.#d.counters.errors++;
      sendError(ex, error, this.#d.logger);
    }
  }

  /** Logs and publishes the exchange once the response is over. */
  #watch(ex: Exchange): void {
    ex.res.once('close', () => {
      const event = ex.publish();
      count(this.#d.counters, event);
      this.#d.logger.debug(event, 'cache request');
    });
  }

  async #cacheable(ex: Exchange): Promise<void> {
    const { store } = this.#d;
    // Requests with credentials never get a shared stored response (RFC 9111 §3.5).
    const bypass = ex.req.headers.authorization !== undefined;
    const meta = bypass ? undefined : store.find(ex.target.url, ex.req.headers);
    ex.lookup = meta === undefined ? 'MISS' : 'HIT';
    if (meta !== undefined) {
      if (usableWithoutValidation(meta, Date.now(), ex.requestCc) && (await this.#serveHit(ex, meta))) return;
      if (ex.requestCc.has('only-if-cached')) throw new OnlyIfCachedMissError();
      if (hasValidator(meta)) return this.#revalidate(ex, meta);
    }
    if (ex.requestCc.has('only-if-cached')) throw new OnlyIfCachedMissError();
    if (bypass || ex.method !== 'GET') return this.#fetch(ex);
    await this.#coalescedMiss(ex);
  }

  async #serveHit(ex: Exchange, meta: ObjectMeta): Promise<boolean> {
    const memory = this.#d.store.inMemory(meta.key);
    const object = await this.#d.store.get(meta);
    if (object === undefined) return false;
    ex.code = memory ? 'TCP_MEM_HIT' : 'TCP_HIT';
    serveStored(ex, object, Date.now());
    return true;
  }

  /** One fill per URL at a time: later misses wait for it, then try the store again. */
  async #coalescedMiss(ex: Exchange): Promise<void> {
    const { coalescer, store } = this.#d;
    const url = ex.target.url;
    let end = coalescer.lead(url);
    if (end === undefined) {
      ex.coalesced = await coalescer.wait(url, this.#d.coalesceTimeout);
      const meta = store.find(url, ex.req.headers);
      if (meta !== undefined && usableWithoutValidation(meta, Date.now(), ex.requestCc)) {
        ex.lookup = 'HIT';
        if (await this.#serveHit(ex, meta)) return;
      }
      // Not storable, or the fill failed or is slow: fetch alone (and lead, if nobody does).
      end = coalescer.lead(url);
    }
    try {
      await this.#fetch(ex);
    } finally {
      end?.();
    }
  }

  /** Fetches a miss over the hops peer selection gives and relays (and stores) the response. */
  async #fetch(ex: Exchange): Promise<void> {
    const { peering, forwarder, identity } = this.#d;
    const hops = await peering.plan(ex.target.url, { siblings: true, accelerated: ex.target.accelerated });
    const headers = upstreamRequestHeaders(ex.req.headers, {
      via: identity.via,
      forStore: ex.method === 'GET',
    });
    const requestTime = Date.now();
    const sent = await forwarder.forward(ex, hops, { method: ex.method, headers });
    await this.#relay(ex, sent, 'TCP_MISS', requestTime, ex.method);
  }

  async #relay(
    ex: Exchange,
    sent: Awaited<ReturnType<Forwarder['forward']>>,
    code: 'TCP_MISS' | 'TCP_REFRESH_MODIFIED',
    requestTime: number,
    upstreamMethod: string,
  ): Promise<void> {
    ex.code = code;
    ex.hierarchy = sent.hop.code;
    ex.upstream = sent.label;
    try {
      const result = await relay(ex, sent.response, {
        store: this.#d.store,
        upstreamMethod,
        maxObjectSize: this.#d.maxObjectSize,
        requestTime,
      });
      if (result.stored !== undefined) this.#d.counters.stored++;
    } finally {
      sent.release();
    }
  }

  /**
   * Asks upstream whether a stale object is still good (its validators as
   * If-None-Match / If-Modified-Since): 304 refreshes and serves it; a new
   * response replaces it. If upstream cannot be reached, the stale object
   * is served unless the response said must-revalidate.
   */
  async #revalidate(ex: Exchange, meta: ObjectMeta): Promise<void> {
    const { peering, forwarder, identity, store } = this.#d;
    const headers = upstreamRequestHeaders(ex.req.headers, {
      via: identity.via,
      forStore: true,
      validators: { etag: single(meta.headers.etag), lastModified: single(meta.headers['last-modified']) },
    });
    const requestTime = Date.now();
    let sent: Awaited<ReturnType<Forwarder['forward']>>;
    try {
      const hops = await peering.plan(ex.target.url, { siblings: false, accelerated: ex.target.accelerated });
      sent = await forwarder.forward(ex, hops, { method: 'GET', headers });
    } catch (error) {
      const stale = meta.mustRevalidate ? undefined : await store.get(meta);
      if (stale === undefined) throw error;
      this.#d.logger.warn({ err: error, url: ex.target.url }, 'cache: revalidation failed, serving stale');
      ex.code = 'TCP_REFRESH_FAIL_OLD';
      serveStored(ex, stale, Date.now());
      return;
    }
    if (sent.response.status !== 304)
      return this.#relay(ex, sent, 'TCP_REFRESH_MODIFIED', requestTime, 'GET');
    sent.response.body.resume();
    sent.release();
    const fresh = freshenMeta(meta, sent.response.headers, requestTime, Date.now());
    store.freshen(fresh);
    const object = await store.get(fresh);
    ex.hierarchy = sent.hop.code;
    ex.upstream = sent.label;
    if (object === undefined) return this.#fetch(ex); // evicted meanwhile
    ex.code = 'TCP_REFRESH_UNMODIFIED';
    serveStored(ex, { meta: fresh, body: object.body }, Date.now());
  }

  /** Other methods: straight to the origin with the body; success invalidates the stored URL. */
  async #passThrough(ex: Exchange): Promise<void> {
    const { forwarder, identity, store } = this.#d;
    const headers = upstreamRequestHeaders(ex.req.headers, { via: identity.via, forStore: false });
    const hasBody =
      ex.req.headers['content-length'] !== undefined || ex.req.headers['transfer-encoding'] !== undefined;
    const sent = await forwarder.forward(ex, [{ code: 'HIER_DIRECT' }], {
      method: ex.method,
      headers,
      ...(hasBody ? { body: ex.req } : {}),
    });
    if (!SAFE_METHODS.has(ex.method) && sent.response.status < 400) store.invalidate(ex.target.url);
    ex.code = 'TCP_MISS';
    ex.hierarchy = sent.hop.code;
    ex.upstream = sent.label;
    try {
      await relay(ex, sent.response, {
        store: undefined,
        upstreamMethod: ex.method,
        maxObjectSize: 0,
        requestTime: Date.now(),
      });
    } finally {
      sent.release();
    }
  }
}
