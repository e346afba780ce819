import type { Readable } from 'node:stream';
import { formatHostPort, type Pool, type Server } from '@lvs7/core';
import type { Logger } from 'pino';
import { NoOriginServerError, UpstreamError, UpstreamTimeoutError } from './errors.js';
import type { Exchange } from './exchange.js';
import type { Hop } from './peering.js';
import { originForm } from './request-target.js';
import type { Upstream, UpstreamResponse, UpstreamTarget } from './upstream.js';

export interface ForwardRequest {
  readonly method: string;
  /** End-to-end request fields with our Via (see upstreamRequestHeaders); Host is set per hop. */
  readonly headers: Record<string, string | string[]>;
  /** A request body can be sent once: no fall-through to another hop with one. */
  readonly body?: Readable | undefined;
}

export interface Forwarded {
  readonly response: UpstreamResponse;
  readonly hop: Hop;
  /** Who answered: the peer's or the origin server's name, or the URL's host. */
  readonly label: string;
  /** Ends the pool session of an origin-pool server: call once the response body is done. */
  release(): void;
}

/** Origin-pool servers tried for one request before giving up (connect failures only). */
const MAX_POOL_ATTEMPTS = 3;

/**
 * Sends a miss along its hops: to a peer (absolute-form, as to any proxy;
 * siblings with `Cache-Control: only-if-cached`), to the URL's origin
 * (forward proxy), or to a server of the origin pool (accelerator). A
 * sibling that answers 5xx (504: it does not have the object after all) or
 * any hop that cannot be reached falls through to the next hop.
 */
export class Forwarder {
  readonly #upstream: Upstream;
  readonly #origin: Pool | undefined;
  readonly #logger: Logger;

  constructor(upstream: Upstream, origin: Pool | undefined, logger: Logger) {
    this.#upstream = upstream;
    this.#origin = origin;
    this.#logger = logger;
  }

  async forward(ex: Exchange, hops: readonly Hop[], request: ForwardRequest): Promise<Forwarded> {
    let lastError: unknown;
    for (let i = 0; i < hops.length; i++) {
      const hop = hops[i]!;
      const last = i === hops.length - 1 || request.body !== undefined;
      try {
        const forwarded =
          hop.peer === undefined
            ? await this.#direct(ex, hop, request)
            : await this.#toPeer(ex, hop, request);
        const sibling = hop.peer?.type === 'sibling';
        if (!sibling || forwarded.response.status < 500 || last) return forwarded;
        this.#logger.debug(
          { peer: hop.peer?.name, status: forwarded.response.status },
          'cache: sibling declined',
        );
        forwarded.response.body.resume();
        forwarded.release();
      } catch (error) {
        if (last) throw error;
        this.#logger.debug(
          { err: error, hop: hop.code, peer: hop.peer?.name },
          'cache: hop failed, trying next',
        );
        lastError = error;
      }
    }
    throw lastError ?? new UpstreamError('none', 'no hop to forward to');
  }

  async #toPeer(ex: Exchange, hop: Hop, request: ForwardRequest): Promise<Forwarded> {
    const peer = hop.peer!;
    const headers = { ...request.headers, host: new URL(ex.target.url).host };
    if (peer.type === 'sibling') addOnlyIfCached(headers);
    const target: UpstreamTarget = {
      label: peer.name,
      origin: `http://${formatHostPort(peer.http)}`,
      path: ex.target.url,
    };
    const response = await this.#upstream.request(target, { ...request, headers });
    return { response, hop, label: peer.name, release: noop };
  }

  async #direct(ex: Exchange, hop: Hop, request: ForwardRequest): Promise<Forwarded> {
    if (!ex.target.accelerated) {
      const url = new URL(ex.target.url);
      const target = { label: url.host, origin: url.origin, path: url.pathname + url.search };
      const response = await this.#upstream.request(target, {
        ...request,
        headers: { ...request.headers, host: url.host },
      });
      return { response, hop, label: url.host, release: noop };
    }
    return this.#toPool(ex, hop, request);
  }

  /** Accelerator mode: a server of the origin pool, keyed by the cache key; Host stays the client's. */
  async #toPool(ex: Exchange, hop: Hop, request: ForwardRequest): Promise<Forwarded> {
    const pool = this.#origin!;
    const exclude = new Set<Server>();
    const path = originForm(ex.target.url);
    for (let attempt = 1; ; attempt++) {
      const server = pool.pick({ key: ex.target.url, clientAddress: ex.client, exclude });
      if (server === undefined) throw new NoOriginServerError(pool.name);
      pool.sessionStarted(server);
      let released = false;
      const release = () => {
        if (!released) pool.sessionEnded(server);
        released = true;
      };
      try {
        const target = { label: server.name, origin: `http://${formatHostPort(server)}`, path };
        const response = await this.#upstream.request(target, request);
        return { response, hop, label: server.name, release };
      } catch (error) {
        release();
        const retry =
          request.body === undefined &&
          connectFailure(error) &&
          attempt < MAX_POOL_ATTEMPTS &&
          exclude.size + 1 < pool.eligibleCount;
        if (!retry) throw error;
        exclude.add(server);
      }
    }
  }
}

function addOnlyIfCached(headers: Record<string, string | string[]>): void {
  const cc = headers['cache-control'];
  const text = cc === undefined ? '' : typeof cc === 'string' ? cc : cc.join(', ');
  if (!/only-if-cached/i.test(text))
    headers['cache-control'] = text === '' ? 'only-if-cached' : `${text}, only-if-cached`;
}

/** The server could not be reached (the request did not get to it): another may be tried. */
function connectFailure(error: unknown): boolean {
  if (error instanceof UpstreamTimeoutError) {
    return (error.cause as { code?: string } | undefined)?.code === 'UND_ERR_CONNECT_TIMEOUT';
  }
  const code = ((error as Error).cause as { code?: string } | undefined)?.code;
  return (
    error instanceof UpstreamError &&
    (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EHOSTUNREACH')
  );
}

function noop(): void {}
