import { isIP } from 'node:net';
import { InvalidSiteOptionsError } from './errors.js';

export interface PeerSiteOptions {
  readonly name: string;
  /** The peer's admin API base URL, e.g. `http://10.77.2.2:9900`; lvs7 reads `/api/site` there. */
  readonly admin: string;
  /** The peer's unicast address (IP): overflow goes there, on the listener's own port. */
  readonly address: string;
}

export interface OverflowOptions {
  /** Local load above which new sessions start going to peers; default 1.1. */
  readonly above?: number | undefined;
  /** Only peers whose load is below this receive overflow; default 0.7. */
  readonly peerBelow?: number | undefined;
  /** How often peers' `/api/site` is read (ms); default 1 000. */
  readonly intervalMs?: number | undefined;
  /** Per-poll timeout (ms); default min(intervalMs, 2 000) × 0.8. */
  readonly timeoutMs?: number | undefined;
  /**
   * Load band that keeps decisions from flapping; default 0.1. Overflow stops
   * once the load without it would be below `above - hysteresis`; a peer keeps
   * receiving until its load exceeds `peerBelow + hysteresis`.
   */
  readonly hysteresis?: number | undefined;
  /** Largest change of the forwarded share per update; default 0.2. */
  readonly maxStep?: number | undefined;
  /** Largest share of new sessions ever forwarded; default 0.9. */
  readonly maxShare?: number | undefined;
}

export interface SiteOptions {
  /** This site's name, [A-Za-z0-9_.-]. */
  readonly name: string;
  /** The anycast address every site's VIP listeners serve. */
  readonly vip: string;
  /** This site's unicast address, reachable by the other sites (they send overflow here). */
  readonly address: string;
  /** Sessions the site holds at load 1.0; default the sum of its eligible servers' maxConnections. */
  readonly capacity?: number | undefined;
  /** Percent (0–100) of each VIP pool's servers that must be eligible for the site to announce; default 50. */
  readonly minHealthy?: number | undefined;
  /** Omitted: no overflow is sent (peers are still read, for /api/site). */
  readonly overflow?: OverflowOptions | undefined;
  readonly peers?: readonly PeerSiteOptions[] | undefined;
}

export interface ResolvedOverflowOptions {
  readonly enabled: boolean;
  readonly above: number;
  readonly peerBelow: number;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly hysteresis: number;
  readonly maxStep: number;
  readonly maxShare: number;
}

export interface ResolvedSiteOptions {
  readonly name: string;
  readonly vip: string;
  readonly address: string;
  readonly capacity: number | undefined;
  /** As a fraction (0–1). */
  readonly minHealthy: number;
  readonly overflow: ResolvedOverflowOptions;
  readonly peers: readonly PeerSiteOptions[];
}

export const SITE_NAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

/** Checks every option at once (throws InvalidSiteOptionsError listing each problem), fills defaults, freezes. */
export function resolveSiteOptions(options: SiteOptions): ResolvedSiteOptions {
  const problems: string[] = [];
  if (typeof options.name !== 'string' || !SITE_NAME_PATTERN.test(options.name)) {
    problems.push(`name: "${String(options.name)}" must match ${SITE_NAME_PATTERN}`);
  }
  if (isIP(String(options.vip)) === 0) problems.push(`vip: "${String(options.vip)}" is not an IP address`);
  if (isIP(String(options.address)) === 0) {
    problems.push(`address: "${String(options.address)}" is not an IP address`);
  }
  if (options.capacity !== undefined && !(Number.isInteger(options.capacity) && options.capacity > 0)) {
    problems.push(`capacity: ${String(options.capacity)} is not a positive integer`);
  }
  const minHealthy = options.minHealthy ?? 50;
  if (!(minHealthy >= 0 && minHealthy <= 100))
    problems.push(`minHealthy: ${minHealthy} is not from 0 to 100`);
  const overflow = resolveOverflow(options.overflow, problems);
  const peers = options.peers ?? [];
  const names = new Set<string>([options.name]);
  peers.forEach((peer, i) => {
    const at = `peers[${i}]`;
    if (typeof peer.name !== 'string' || !SITE_NAME_PATTERN.test(peer.name)) {
      problems.push(`${at}.name: "${String(peer.name)}" must match ${SITE_NAME_PATTERN}`);
    } else if (names.has(peer.name)) problems.push(`${at}.name: "${peer.name}" is used twice`);
    names.add(peer.name);
    if (!isHttpUrl(peer.admin)) problems.push(`${at}.admin: "${String(peer.admin)}" is not an http(s) URL`);
    if (isIP(String(peer.address)) === 0) {
      problems.push(`${at}.address: "${String(peer.address)}" is not an IP address`);
    }
  });
  if (problems.length > 0) throw new InvalidSiteOptionsError(problems);
  return Object.freeze({
    name: options.name,
    vip: options.vip,
    address: options.address,
    capacity: options.capacity,
    minHealthy: minHealthy / 100,
    overflow: Object.freeze(overflow),
    peers: Object.freeze(
      peers.map((p) => Object.freeze({ name: p.name, admin: trimSlash(p.admin), address: p.address })),
    ),
  });
}

function resolveOverflow(options: OverflowOptions | undefined, problems: string[]): ResolvedOverflowOptions {
  const o = options ?? {};
  const intervalMs = o.intervalMs ?? 1_000;
  const resolved: ResolvedOverflowOptions = {
    enabled: options !== undefined,
    above: o.above ?? 1.1,
    peerBelow: o.peerBelow ?? 0.7,
    intervalMs,
    timeoutMs: o.timeoutMs ?? Math.round(Math.min(intervalMs, 2_000) * 0.8),
    hysteresis: o.hysteresis ?? 0.1,
    maxStep: o.maxStep ?? 0.2,
    maxShare: o.maxShare ?? 0.9,
  };
  const check = (ok: boolean, message: string) => ok || problems.push(`overflow.${message}`);
  check(
    resolved.above > 0 && Number.isFinite(resolved.above),
    `above: ${resolved.above} is not a positive number`,
  );
  check(
    resolved.peerBelow > 0 && resolved.peerBelow < resolved.above,
    `peerBelow: ${resolved.peerBelow} must be above 0 and below overflow.above (${resolved.above})`,
  );
  check(Number.isInteger(intervalMs) && intervalMs >= 100, `interval: ${intervalMs} ms is below 100 ms`);
  check(
    Number.isInteger(resolved.timeoutMs) && resolved.timeoutMs >= 10,
    `timeout: ${resolved.timeoutMs} ms is below 10 ms`,
  );
  check(
    resolved.hysteresis >= 0 && resolved.hysteresis < resolved.above,
    `hysteresis: ${resolved.hysteresis} must be from 0 to below overflow.above`,
  );
  check(resolved.maxStep > 0 && resolved.maxStep <= 1, `maxStep: ${resolved.maxStep} is not in (0, 1]`);
  check(resolved.maxShare > 0 && resolved.maxShare < 1, `maxShare: ${resolved.maxShare} is not in (0, 1)`);
  return resolved;
}

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function trimSlash(url: string): string {
  return url.endsWith('/') ? url.slice(0, -1) : url;
}
