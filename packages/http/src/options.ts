/**
 * Typed options of an HTTP listener, the shape the config package produces
 * (durations in ms, sizes in bytes). Only `name`, `listen` and `routes` or
 * `default` are needed; everything else has a default (see DEFAULTS).
 */
import type { Server } from '@lvs7/core';

export type ForwardedMode = 'xff' | 'rfc7239' | 'none';

export interface TlsCertificateOptions {
  /** PEM text or a path to a PEM file. */
  readonly cert: string;
  readonly key: string;
}

export interface ListenerTlsOptions {
  /** Default certificate (PEM text or path). */
  readonly cert?: string | undefined;
  readonly key?: string | undefined;
  /** More certificates, chosen by SNI against their subjectAltName / CN. */
  readonly certificates?: readonly TlsCertificateOptions[] | undefined;
  /** Accept HTTP/2 from clients via ALPN (servers are still spoken to in HTTP/1.1). */
  readonly http2?: boolean | undefined;
}

export interface ClientTimeouts {
  /** Whole request head must arrive within this (slowloris); default 10 000. */
  readonly clientHeader?: number | undefined;
  /** Keep-alive connection with no request in progress; default 60 000. */
  readonly clientIdle?: number | undefined;
}

export interface HeadLimitOptions {
  /** Bytes of the header section (request line excluded); default 16 384 → 431. */
  readonly maxHeaderSize?: number | undefined;
  /** Header fields; default 100 → 431. */
  readonly maxHeaders?: number | undefined;
  /** Bytes of the request line; default 8 192 → 414. */
  readonly maxRequestLine?: number | undefined;
}

/** What unmatched requests get: a pool (if set) or a status (default 404). */
export interface DefaultAction {
  readonly status?: number | undefined;
  readonly pool?: string | undefined;
}

/** Per-exchange access log lines at info level: none, 1 in 100, or every one. */
export type AccessLogMode = 'off' | 'sampled' | 'full';

/**
 * The request id (nginx `$request_id`, HAProxy `unique-id-header`): every
 * request gets one, sent to the server, returned to the client and logged.
 */
export interface RequestIdOptions {
  /** Default true. */
  readonly enabled?: boolean | undefined;
  /** Default 'X-Request-Id'. */
  readonly header?: string | undefined;
  /**
   * Keep a well-formed received id from any client; by default only ids
   * from trustedProxies are kept, others are replaced by one of ours.
   */
  readonly trustIncoming?: boolean | undefined;
  /** Add the id to the response; default true. */
  readonly response?: boolean | undefined;
}

/** Exact value, a regex ({ regex }), or presence ({ present }). */
export type ValueMatch = string | { readonly regex: string } | { readonly present: boolean };

export interface HeaderRewriteOptions {
  readonly set?: Readonly<Record<string, string>> | undefined;
  readonly remove?: readonly string[] | undefined;
}

export interface RouteTimeouts {
  /** TCP connect to a server; default 5 000. */
  readonly connect?: number | undefined;
  /** Server silent while we wait for its response head; default 30 000 → 504. */
  readonly response?: number | undefined;
  /** No byte either way while bodies stream (and in tunnels); default 60 000. */
  readonly idle?: number | undefined;
}

/** 'connect-failure' | 'reset' | 'timeout' or a status code (400-599: 502, 503, 504, ...). */
export type RetryCondition = 'connect-failure' | 'reset' | 'timeout' | number;

export interface RetryOptions {
  /** Further attempts, each on a server not tried yet; default 2. */
  readonly count?: number | undefined;
  /** Default ['connect-failure', 'reset']. */
  readonly on?: readonly RetryCondition[] | undefined;
}

export interface StickyOptions {
  readonly cookie: string;
  /** Cookie lifetime (ms); absent = session cookie. */
  readonly ttl?: number | undefined;
}

export interface RouteOptions {
  /** For stats and logs; default `route<index>`. */
  readonly name?: string | undefined;
  /** Exact names or `*.suffix` wildcards, case-insensitive, port ignored. */
  readonly host?: string | readonly string[] | undefined;
  readonly pathPrefix?: string | undefined;
  /** Regular expression tested against the path (no query). */
  readonly path?: string | undefined;
  readonly methods?: readonly string[] | undefined;
  readonly headers?: Readonly<Record<string, ValueMatch>> | undefined;
  /** Query parameters (percent-decoded). */
  readonly query?: Readonly<Record<string, ValueMatch>> | undefined;
  readonly pool: string;
  /** url | host | path | source | header:NAME | cookie:NAME | query:NAME → PickContext.key. */
  readonly key?: string | undefined;
  readonly sticky?: StickyOptions | undefined;
  readonly rewrite?:
    | {
        readonly stripPrefix?: string | undefined;
        readonly addPrefix?: string | undefined;
        readonly host?: string | undefined;
      }
    | undefined;
  readonly requestHeaders?: HeaderRewriteOptions | undefined;
  readonly responseHeaders?: HeaderRewriteOptions | undefined;
  readonly timeouts?: RouteTimeouts | undefined;
  readonly retries?: RetryOptions | undefined;
  /**
   * Ask the pool's caches over ICP before choosing (their `icp` address), and
   * prefer one that answers HIT; otherwise the key's owner. Needs the pool's
   * `icp` locator (HttpPoolOptions).
   */
  readonly icp?: { readonly timeout: number } | undefined;
}

export interface UpstreamOptions {
  /** Idle keep-alive connections to a server are closed after this; default 4 000 (below Node's 5 s). */
  readonly idleTimeout?: number | undefined;
  /** Idle connections kept per server; default 256. */
  readonly maxIdlePerServer?: number | undefined;
}

export interface HttpListenerOptions {
  readonly name: string;
  readonly protocol?: 'http' | undefined;
  /** host:port ([v6]:port); port 0 picks a free one (see address()). */
  readonly listen: string;
  readonly tls?: ListenerTlsOptions | undefined;
  /** Concurrent client connections; default 10 000. */
  readonly maxConnections?: number | undefined;
  /** Expect a PROXY protocol (v1 or v2) header before anything else, naming the real client. */
  readonly acceptProxy?: boolean | undefined;
  /**
   * With acceptProxy: only peers in these CIDRs must (and may) send the
   * header; others are direct clients. Default: every peer must.
   */
  readonly acceptProxyFrom?: readonly string[] | undefined;
  /** Default 'off': exchanges are counted, not logged. */
  readonly accessLog?: AccessLogMode | undefined;
  /** CIDRs (or addresses) whose incoming X-Forwarded-For / Forwarded is kept. */
  readonly trustedProxies?: readonly string[] | undefined;
  readonly forwarded?: ForwardedMode | undefined;
  /** On by default; `{ enabled: false }` turns it off. */
  readonly requestId?: RequestIdOptions | undefined;
  readonly timeouts?: ClientTimeouts | undefined;
  readonly limits?: HeadLimitOptions | undefined;
  readonly default?: DefaultAction | undefined;
  readonly routes?: readonly RouteOptions[] | undefined;
  /** Pseudonym in the Via field we add; default 'lvs7'. */
  readonly via?: string | undefined;
  readonly upstream?: UpstreamOptions | undefined;
}

/** Passive health: the outlier detector of core implements this. */
export interface OutlierReporter {
  report(server: Server, ok: boolean, kind?: string): void;
}

/** Per-pool options a listener needs besides the Pool itself. */
export interface HttpPoolOptions {
  /** How long a request may wait for a free server slot (maxConnections); default 5 000. */
  readonly queueTimeout?: number | undefined;
  /** Requests allowed to wait; beyond → 503 at once; default 1 000. */
  readonly maxQueue?: number | undefined;
  readonly outlier?: OutlierReporter | undefined;
  /** Finds a cache of the pool that has a URL (ICP), for routes with `icp`. */
  readonly icp?: IcpLocator | undefined;
  /**
   * Servers expect a PROXY header (v1 / v2) naming the client on each new
   * connection. A keep-alive connection is then reused only for requests
   * of the same client connection (HAProxy's private connections).
   */
  readonly sendProxy?: 'v1' | 'v2' | undefined;
}

/** Asks a pool's caches whether they hold `url`; resolves the first that answered HIT. */
export interface IcpLocator {
  locate(url: string, timeoutMs: number): Promise<Server | undefined>;
}

export const DEFAULTS = {
  maxConnections: 10_000,
  clientHeader: 10_000,
  clientIdle: 60_000,
  maxHeaderSize: 16_384,
  maxHeaders: 100,
  maxRequestLine: 8_192,
  connect: 5_000,
  response: 30_000,
  idle: 60_000,
  retries: 2,
  retryOn: ['connect-failure', 'reset'] as readonly RetryCondition[],
  queueTimeout: 5_000,
  maxQueue: 1_000,
  upstreamIdle: 4_000,
  maxIdlePerServer: 256,
  defaultStatus: 404,
} as const;
