import { isIP } from 'node:net';
import { type HostPort, type Pool, parseHostPort } from '@lvs7/core';
import { IcpAccessList } from '@lvs7/icp';
import { InvalidCacheOptionError } from './errors.js';

/** A `cache_peer`: another cache asked over ICP and fetched from over HTTP. */
export interface CachePeerOptions {
  readonly name: string;
  /** The peer's HTTP (proxy) port, `ip:port`. */
  readonly http: string;
  /** The peer's ICP port, `ip:port` (an IP: replies are matched by source address). */
  readonly icp: string;
  /** A sibling only serves its hits; a parent also fetches our misses. */
  readonly type: 'sibling' | 'parent';
  /** Parents: ICP RTT is divided by this when ranking their misses (Squid's weight=); default 1. */
  readonly weight?: number | undefined;
}

export interface CacheDiskOptions {
  readonly path: string;
  /** Bytes. */
  readonly size: number;
}

export interface CacheTimeouts {
  /** TCP connect to an upstream; default 5 000. */
  readonly connect?: number | undefined;
  /** Upstream silent while its response head is awaited; default 30 000 → 504. */
  readonly response?: number | undefined;
  /** No body byte from the upstream for this long; default 60 000. */
  readonly idle?: number | undefined;
}

/** The `cache:` section of `lvs7 cache -c FILE` (durations ms, sizes bytes). */
export interface CacheNodeOptions {
  readonly name: string;
  /** HTTP: absolute-form requests (forward proxy), and origin-form ones when `origin` is set. */
  readonly listen: string;
  /** Pool that origin-form requests (accelerator mode) go to. */
  readonly origin?: string | undefined;
  /** ICP responder and client address (UDP). */
  readonly icp: string;
  /** Who may query our ICP port (CIDRs); others get DENIED. Default: loopback only. */
  readonly icpAccess?: readonly string[] | undefined;
  /**
   * Who may send HTTP requests (CIDRs); others get 403. Default: loopback and
   * private networks (Squid's `localnet`), so a node is never an open proxy.
   */
  readonly httpAccess?: readonly string[] | undefined;
  /** Memory store size (bytes). */
  readonly memory: number;
  readonly disk?: CacheDiskOptions | undefined;
  readonly peers?: readonly CachePeerOptions[] | undefined;
  /** Larger responses are passed through, not stored; default 16 MiB. */
  readonly maxObjectSize?: number | undefined;
  /** Larger objects are kept on disk only; default min(maxObjectSize, memory / 8). */
  readonly memoryMaxObjectSize?: number | undefined;
  /** How long an ICP query waits for replies (ms); default 1 000. */
  readonly icpTimeout?: number | undefined;
  /** How long a coalesced miss waits for the first one's fill (ms); default 5 000. */
  readonly coalesceTimeout?: number | undefined;
  readonly timeouts?: CacheTimeouts | undefined;
}

export interface ResolvedPeer {
  readonly name: string;
  readonly type: 'sibling' | 'parent';
  readonly http: HostPort;
  readonly icp: HostPort;
  readonly weight: number;
}

export interface ResolvedCacheOptions {
  readonly name: string;
  readonly listen: HostPort;
  readonly icp: HostPort;
  readonly icpAccess: readonly string[];
  readonly httpAccess: readonly string[];
  readonly origin: Pool | undefined;
  readonly memory: number;
  readonly disk: CacheDiskOptions | undefined;
  readonly peers: readonly ResolvedPeer[];
  readonly maxObjectSize: number;
  readonly memoryMaxObjectSize: number;
  readonly icpTimeout: number;
  readonly coalesceTimeout: number;
  readonly timeouts: Required<{ [K in keyof CacheTimeouts]: number }>;
}

const MiB = 1024 * 1024;

/** Squid's default `localnet` plus loopback. */
export const LOCAL_NETWORKS: readonly string[] = [
  '127.0.0.0/8',
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '169.254.0.0/16',
  '::1/128',
  'fc00::/7',
  'fe80::/10',
];

/** Validates the options, reporting every problem together, and fills in defaults. */
export function resolveCacheOptions(
  options: CacheNodeOptions,
  pools: ReadonlyMap<string, Pool>,
): ResolvedCacheOptions {
  const problems: string[] = [];
  const address = (key: string, value: string | undefined): HostPort => {
    try {
      if (typeof value !== 'string') throw new Error('expected "host:port"');
      return parseHostPort(value);
    } catch (error) {
      problems.push(`${key}: ${(error as Error).message}`);
      return { host: '127.0.0.1', port: 0 };
    }
  };
  const positive = (key: string, value: number | undefined, fallback: number): number => {
    if (value === undefined) return fallback;
    if (!(Number.isFinite(value) && value > 0)) problems.push(`${key}: expected a positive number`);
    return value;
  };
  if (typeof options.name !== 'string' || !/^[\w.-]+$/.test(options.name)) {
    problems.push('name: expected letters, digits, ".", "-" or "_"');
  }
  const listen = address('listen', options.listen);
  const icp = address('icp', options.icp);
  const icpAccess = options.icpAccess ?? ['127.0.0.0/8', '::1'];
  const httpAccess = options.httpAccess ?? LOCAL_NETWORKS;
  for (const [key, list] of [
    ['icpAccess', icpAccess],
    ['httpAccess', httpAccess],
  ] as const) {
    try {
      new IcpAccessList(list);
    } catch (error) {
      problems.push(`${key}: ${(error as Error).message}`);
    }
  }
  let origin: Pool | undefined;
  if (options.origin !== undefined) {
    origin = pools.get(options.origin);
    if (origin === undefined) problems.push(`origin: no pool "${options.origin}"`);
  }
  const memory = positive('memory', options.memory, 0);
  if (options.memory === undefined) problems.push('memory: required (bytes)');
  const disk = options.disk;
  if (disk !== undefined) {
    if (typeof disk.path !== 'string' || disk.path === '') problems.push('disk.path: required');
    positive('disk.size', disk.size, 0);
  }
  const peers = resolvePeers(options.peers ?? [], problems, address);
  const maxObjectSize = positive('maxObjectSize', options.maxObjectSize, 16 * MiB);
  const memoryMaxObjectSize = positive(
    'memoryMaxObjectSize',
    options.memoryMaxObjectSize,
    Math.min(maxObjectSize, Math.floor(memory / 8)),
  );
  const t = options.timeouts ?? {};
  const resolved: ResolvedCacheOptions = {
    name: options.name,
    listen,
    icp,
    icpAccess,
    httpAccess,
    origin,
    memory,
    disk,
    peers,
    maxObjectSize,
    memoryMaxObjectSize,
    icpTimeout: positive('icpTimeout', options.icpTimeout, 1_000),
    coalesceTimeout: positive('coalesceTimeout', options.coalesceTimeout, 5_000),
    timeouts: {
      connect: positive('timeouts.connect', t.connect, 5_000),
      response: positive('timeouts.response', t.response, 30_000),
      idle: positive('timeouts.idle', t.idle, 60_000),
    },
  };
  if (problems.length > 0) throw new InvalidCacheOptionError(problems);
  return Object.freeze(resolved);
}

/** Checks peers (also used when peers change at run time). */
function resolvePeers(
  peers: readonly CachePeerOptions[],
  problems: string[],
  address: (key: string, value: string | undefined) => HostPort,
): ResolvedPeer[] {
  const names = new Set<string>();
  return peers.map((peer, i) => {
    const at = `peers[${i}]`;
    if (typeof peer.name !== 'string' || peer.name === '') problems.push(`${at}.name: required`);
    else if (names.has(peer.name)) problems.push(`${at}.name: "${peer.name}" is listed twice`);
    names.add(peer.name);
    if (peer.type !== 'sibling' && peer.type !== 'parent') {
      problems.push(`${at}.type: expected "sibling" or "parent"`);
    }
    const icp = address(`${at}.icp`, peer.icp);
    if (peer.icp !== undefined && isIP(icp.host) === 0) problems.push(`${at}.icp: expected an IP address`);
    const weight = peer.weight ?? 1;
    if (!(weight > 0)) problems.push(`${at}.weight: expected a positive number`);
    return { name: peer.name, type: peer.type, http: address(`${at}.http`, peer.http), icp, weight };
  });
}

/** resolvePeers for a run-time change: throws InvalidCacheOptionError with every problem. */
export function checkPeers(peers: readonly CachePeerOptions[]): ResolvedPeer[] {
  const problems: string[] = [];
  const resolved = resolvePeers(peers, problems, (key, value) => {
    try {
      return parseHostPort(value ?? '');
    } catch (error) {
      problems.push(`${key}: ${(error as Error).message}`);
      return { host: '127.0.0.1', port: 0 };
    }
  });
  if (problems.length > 0) throw new InvalidCacheOptionError(problems);
  return resolved;
}
