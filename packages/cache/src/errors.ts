import { Lvs7Error } from '@lvs7/core';

/**
 * The cache package's error catalogue. Errors on the request path carry the
 * HTTP status they become (see responses.ts); they are replies, never throws
 * out of the node.
 */
export abstract class CacheHttpError extends Lvs7Error {
  abstract readonly status: number;
}

/** Options of CacheNode are invalid: every problem found, reported together at construction. */
export class InvalidCacheOptionError extends Lvs7Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super('LVS7_ERR_CACHE_INVALID_OPTION', `cache: invalid options: ${problems.join('; ')}`);
    this.problems = problems;
  }
}

/** The disk store's directory cannot be created or read. */
export class CacheDiskError extends Lvs7Error {
  constructor(path: string, cause: unknown) {
    super('LVS7_ERR_CACHE_DISK', `cache: disk store ${path}: ${(cause as Error)?.message ?? cause}`, {
      cause,
    });
  }
}

/** The request target is neither absolute-form nor origin-form with an origin pool (and a Host). */
export class BadTargetError extends CacheHttpError {
  readonly status = 400;
  constructor(detail: string) {
    super('LVS7_ERR_CACHE_BAD_TARGET', `invalid request target: ${detail}`);
  }
}

/** The client's address is not in `httpAccess`. */
export class AccessDeniedError extends CacheHttpError {
  readonly status = 403;
  constructor(address: string) {
    super('LVS7_ERR_CACHE_ACCESS_DENIED', `access denied for ${address}`);
  }
}

/** CONNECT and other methods the cache node does not relay. */
export class MethodNotSupportedError extends CacheHttpError {
  readonly status = 501;
  constructor(method: string) {
    super('LVS7_ERR_CACHE_METHOD', `method ${method} is not supported by this cache`);
  }
}

/** Our own name is already in the request's Via: the request went round in a circle. */
export class ForwardingLoopError extends CacheHttpError {
  readonly status = 508;
  constructor(name: string) {
    super('LVS7_ERR_CACHE_LOOP', `forwarding loop detected (Via already names ${name})`);
  }
}

/** `Cache-Control: only-if-cached` and no fresh stored response (what a sibling gets on a miss). */
export class OnlyIfCachedMissError extends CacheHttpError {
  readonly status = 504;
  constructor() {
    super('LVS7_ERR_CACHE_ONLY_IF_CACHED', 'only-if-cached: the object is not in this cache');
  }
}

/** The origin pool has no eligible server. */
export class NoOriginServerError extends CacheHttpError {
  readonly status = 503;
  constructor(pool: string) {
    super('LVS7_ERR_CACHE_NO_SERVER', `no server of pool "${pool}" is available`);
  }
}

/** Connecting to or reading from the upstream (origin, parent or sibling) failed. */
export class UpstreamError extends CacheHttpError {
  readonly status = 502;
  constructor(upstream: string, cause: unknown) {
    super('LVS7_ERR_CACHE_UPSTREAM', `upstream ${upstream} failed: ${(cause as Error)?.message ?? cause}`, {
      cause,
    });
  }
}

/** The upstream did not answer in time. */
export class UpstreamTimeoutError extends CacheHttpError {
  readonly status = 504;
  constructor(upstream: string, cause: unknown) {
    super('LVS7_ERR_CACHE_UPSTREAM_TIMEOUT', `upstream ${upstream} timed out`, { cause });
  }
}
