import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Directives, requestDirectives } from './cache-control.js';
import { type CacheRequestEvent, type CacheResultCode, cacheChannels } from './channels.js';
import { appendField, appendVia } from './headers.js';
import type { HierarchyCode } from './peering.js';
import type { RequestTarget } from './request-target.js';

/** What identifies this node in the headers it adds. */
export interface NodeIdentity {
  readonly name: string;
  /** `1.1 NAME (lvs7)`. */
  readonly via: string;
  /** `NAME:PORT`, for X-Cache-Lookup as Squid writes it. */
  readonly lookupName: string;
}

/**
 * One client request while the node answers it: the request, its parsed
 * cache directives, and what the answer turned out to be (Squid's result
 * and hierarchy codes), published when the response ends.
 */
export class Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly target: RequestTarget;
  readonly method: string;
  readonly requestCc: Directives;
  /** Read at once: the socket is detached from the request by the time the response closes. */
  readonly client: string;
  readonly started = performance.now();
  code: CacheResultCode = 'NONE';
  hierarchy: HierarchyCode = 'HIER_NONE';
  upstream: string | undefined;
  /** Whether the store had something for this request, fresh or stale (X-Cache-Lookup); NONE: not looked. */
  lookup: 'HIT' | 'MISS' | 'NONE' = 'NONE';
  coalesced = false;
  bytes = 0;
  readonly #identity: NodeIdentity;

  constructor(req: IncomingMessage, res: ServerResponse, target: RequestTarget, identity: NodeIdentity) {
    this.req = req;
    this.res = res;
    this.target = target;
    this.method = req.method ?? 'GET';
    this.requestCc = requestDirectives(req.headers);
    this.client = req.socket?.remoteAddress ?? '';
    this.#identity = identity;
  }

  get identity(): NodeIdentity {
    return this.#identity;
  }

  /** The client went away (or the response already ended). */
  get gone(): boolean {
    return this.res.destroyed || this.res.writableEnded;
  }

  /** Adds Via, X-Cache and X-Cache-Lookup to response headers (mutates and returns them). */
  decorate(headers: Record<string, string | string[]>, hit: boolean): Record<string, string | string[]> {
    appendVia(headers, this.#identity.via);
    appendField(headers, 'x-cache', `${hit ? 'HIT' : 'MISS'} from ${this.#identity.name}`);
    appendField(headers, 'x-cache-lookup', `${this.lookup} from ${this.#identity.lookupName}`);
    return headers;
  }

  /** Writes the status line and headers. */
  writeHead(status: number, statusText: string, headers: Record<string, string | string[]>): void {
    if (this.res.headersSent || this.res.destroyed) return;
    this.res.writeHead(status, statusText, headers);
  }

  /** The access-log record of this exchange. */
  event(): CacheRequestEvent {
    return {
      node: this.#identity.name,
      client: this.client,
      method: this.method,
      url: this.target.url,
      status: this.res.statusCode,
      code: this.code,
      hierarchy: this.hierarchy,
      upstream: this.upstream,
      bytes: this.bytes,
      durationMs: performance.now() - this.started,
      coalesced: this.coalesced,
    };
  }

  publish(): CacheRequestEvent {
    const event = this.event();
    if (cacheChannels.request.hasSubscribers) cacheChannels.request.publish(event);
    return event;
  }
}
