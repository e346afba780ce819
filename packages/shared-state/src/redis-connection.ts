import { Cluster, type ClusterNode, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import { InvalidRedisUrlError } from './errors.js';

/**
 * Where Redis is, as ioredis understands it:
 * - a URL: `redis://[user:pass@]host:port[/db]`, `rediss://…` (TLS),
 *   `redis+sentinel://[user:pass@]host:26379[,host:26379…]/<master name>[/db]`,
 *   `redis+cluster://[user:pass@]host:6379[,host:6379…]`;
 * - ioredis options (host/port, or `sentinels` + `name` for Sentinel);
 * - `{ clusterNodes, clusterOptions }` for Redis Cluster.
 * lvs7 always sets enableOfflineQueue: false (writes are dropped, never
 * queued without bound, while Redis is away) and lazyConnect; retryStrategy
 * (capped backoff), maxRetriesPerRequest (1) and connectTimeout (2 s) are
 * defaults the options may override. `keyPrefix` is refused: lvs7 namespaces
 * its keys itself and SCANs them.
 */
export type RedisConnection =
  | string
  | RedisOptions
  | { readonly clusterNodes: readonly ClusterNode[]; readonly clusterOptions?: ClusterOptions | undefined };

export type RedisClient = Redis | Cluster;

/** The command connection and the pub/sub connection to one Redis deployment. */
export interface RedisClients {
  readonly command: RedisClient;
  readonly subscriber: RedisClient;
}

const MAX_BACKOFF_MS = 2_000;

/** 100 ms, 200 ms, 400 ms … capped at 2 s; never gives up (Redis coming back is the normal case). */
export function retryDelay(times: number): number {
  return Math.min(100 * 2 ** Math.min(Math.max(times - 1, 0), 10), MAX_BACKOFF_MS);
}

const DEFAULTS: RedisOptions = { retryStrategy: retryDelay, maxRetriesPerRequest: 1, connectTimeout: 2_000 };
const FORCED: RedisOptions = { enableOfflineQueue: false, lazyConnect: true };
// The subscriber only sends SUBSCRIBE; ioredis re-subscribes on reconnect, so queueing those is bounded.
const SUBSCRIBER: RedisOptions = { enableOfflineQueue: true, maxRetriesPerRequest: null };

/** Problems with a connection description (empty when usable); checked once by SharedState.connect. */
export function connectionProblems(connection: RedisConnection): string[] {
  if (typeof connection === 'string') {
    try {
      parseRedisUrl(connection);
      return [];
    } catch (error) {
      return [(error as Error).message];
    }
  }
  if ('clusterNodes' in connection) {
    const problems = connection.clusterNodes.length === 0 ? ['redis.clusterNodes is empty'] : [];
    if (connection.clusterOptions?.keyPrefix !== undefined)
      problems.push('redis: keyPrefix is not supported');
    return problems;
  }
  return connection.keyPrefix !== undefined ? ['redis: keyPrefix is not supported'] : [];
}

type Parsed =
  | { readonly kind: 'url'; readonly url: string }
  | { readonly kind: 'sentinel'; readonly options: RedisOptions }
  | { readonly kind: 'cluster'; readonly nodes: ClusterNode[]; readonly options: RedisOptions };

const MULTI_HOST = /^(redis\+sentinel|redis\+cluster):\/\/(?:([^@/]*)@)?([^/?#]+)(?:\/([^?#]*))?$/;

export function parseRedisUrl(url: string): Parsed {
  if (/^rediss?:\/\//.test(url)) {
    try {
      new URL(url);
    } catch {
      throw new InvalidRedisUrlError(url, 'not a URL');
    }
    return { kind: 'url', url };
  }
  const match = MULTI_HOST.exec(url);
  if (!match)
    throw new InvalidRedisUrlError(
      url,
      'expected redis://, rediss://, redis+sentinel:// or redis+cluster://',
    );
  const [, scheme, auth, hostList, path] = match;
  const hosts = hostList!.split(',').map((h) => hostPort(url, h, scheme === 'redis+sentinel' ? 26379 : 6379));
  const credentials = authOptions(auth);
  if (scheme === 'redis+cluster') return { kind: 'cluster', nodes: hosts, options: credentials };
  const [name, db] = (path ?? '').split('/');
  if (!name) throw new InvalidRedisUrlError(url, 'a Sentinel URL ends with /<master name>');
  const options: RedisOptions = { sentinels: hosts, name: decodeURIComponent(name), ...credentials };
  if (db) {
    if (!/^\d+$/.test(db)) throw new InvalidRedisUrlError(url, `db "${db}" is not a number`);
    options.db = Number(db);
  }
  return { kind: 'sentinel', options };
}

function hostPort(url: string, text: string, defaultPort: number): { host: string; port: number } {
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(text);
  if (!match) throw new InvalidRedisUrlError(url, `bad host "${text}"`);
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port: match[2] ? Number(match[2]) : defaultPort };
}

function authOptions(auth: string | undefined): RedisOptions {
  if (!auth) return {};
  const at = auth.indexOf(':');
  const username = decodeURIComponent(at < 0 ? '' : auth.slice(0, at));
  const password = decodeURIComponent(at < 0 ? auth : auth.slice(at + 1));
  return { ...(username ? { username } : {}), ...(password ? { password } : {}) };
}

/** Builds the two clients (not connected yet: both use lazyConnect). */
export function createRedisClients(connection: RedisConnection): RedisClients {
  if (typeof connection !== 'string' && 'clusterNodes' in connection) {
    return clusterClients([...connection.clusterNodes], connection.clusterOptions ?? {});
  }
  if (typeof connection !== 'string') {
    const options = { ...DEFAULTS, ...connection, ...FORCED };
    return { command: new Redis(options), subscriber: new Redis({ ...options, ...SUBSCRIBER }) };
  }
  const parsed = parseRedisUrl(connection);
  if (parsed.kind === 'cluster') return clusterClients(parsed.nodes, { redisOptions: parsed.options });
  if (parsed.kind === 'sentinel') {
    const options = { ...DEFAULTS, ...parsed.options, ...FORCED };
    return { command: new Redis(options), subscriber: new Redis({ ...options, ...SUBSCRIBER }) };
  }
  const options = { ...DEFAULTS, ...FORCED };
  return {
    command: new Redis(parsed.url, options),
    subscriber: new Redis(parsed.url, { ...options, ...SUBSCRIBER }),
  };
}

function clusterClients(nodes: ClusterNode[], options: ClusterOptions): RedisClients {
  const { retryStrategy: _, ...defaults } = DEFAULTS; // Cluster reconnects with clusterRetryStrategy.
  const redisOptions = { ...defaults, ...options.redisOptions } as ClusterOptions['redisOptions'];
  const base: ClusterOptions = {
    clusterRetryStrategy: retryDelay,
    ...options,
    redisOptions,
    enableOfflineQueue: false,
    lazyConnect: true,
  };
  return {
    command: new Cluster(nodes, base),
    subscriber: new Cluster(nodes, { ...base, enableOfflineQueue: true }),
  };
}

/** The clients holding data: every master of a Cluster, else the client itself (for SCAN). */
export function scanTargets(client: RedisClient): Redis[] {
  return client instanceof Cluster ? client.nodes('master') : [client];
}
