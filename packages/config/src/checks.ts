/**
 * Checks that involve several fields or the scheduler registry. They run on
 * the raw parsed document (even when the schema found problems) so that one
 * run reports everything; values the schema rejects are skipped here.
 */
import { isIP } from 'node:net';
import { formatHostPort, parseHostPort, type SchedulerInfo, schedulerInfo, schedulerNames } from '@lvs7/core';
import { formatDuration, parseDuration } from './durations.js';
import type { RawIssue } from './issues.js';
import type { Path } from './locate.js';
import { addressProblem } from './schema/common.js';
import { DEFAULT_ADMIN_LISTEN } from './schema/config.js';
import { DEFAULT_SCHEDULER, HASHING_ONLY_OPTIONS } from './schema/pool.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const entries = (v: unknown): [string, unknown][] => (isObj(v) ? Object.entries(v) : []);

/** The conditions of a route; a route with none of them matches every request. */
const ROUTE_CONDITIONS = ['host', 'pathPrefix', 'path', 'methods', 'headers', 'query'];

export interface Findings {
  readonly errors: RawIssue[];
  readonly warnings: RawIssue[];
}

interface Context extends Findings {
  readonly lineOf: (path: Path) => number;
  readonly pools: Obj;
}

/** A duration as the schema would read it; `fallback` when absent, undefined when invalid. */
function ms(value: unknown, fallback: number): number | undefined {
  if (value === undefined) return fallback;
  return typeof value === 'string' || typeof value === 'number' ? parseDuration(value) : undefined;
}

/** The pool's scheduler, when it is registered. */
function poolScheduler(pool: unknown): SchedulerInfo | undefined {
  if (!isObj(pool)) return undefined;
  const name = pool.scheduler ?? DEFAULT_SCHEDULER;
  return typeof name === 'string' ? schedulerInfo(name) : undefined;
}

function hashingSchedulers(): string {
  const names = schedulerNames().filter((n) => schedulerInfo(n)?.hashing);
  return names.length > 0 ? names.join(', ') : 'none registered';
}

export function crossCheck(config: unknown, lineOf: (path: Path) => number): Findings {
  if (!isObj(config)) return { errors: [], warnings: [] };
  const cx: Context = { errors: [], warnings: [], lineOf, pools: isObj(config.pools) ? config.pools : {} };
  for (const [name, pool] of entries(config.pools)) checkPool(cx, ['pools', name], pool);
  list(config.listeners).forEach((l, i) => {
    checkListener(cx, ['listeners', i], l, config.directories);
  });
  checkUniqueNames(cx, list(config.listeners), ['listeners'], 'listener');
  checkAddresses(cx, config);
  for (const [name, dir] of entries(config.directories)) {
    if (!isObj(dir)) continue;
    if (dir.ldap !== undefined && dir.file !== undefined) {
      cx.errors.push({ path: ['directories', name], message: 'expected either ldap or file, not both' });
    } else if (dir.ldap === undefined && dir.file === undefined) {
      cx.errors.push({ path: ['directories', name], message: 'expected ldap or file' });
    }
  }
  const mailstore = config.mailstore;
  if (isObj(mailstore) && typeof mailstore.directory === 'string') {
    if (!(isObj(config.directories) && Object.hasOwn(config.directories, mailstore.directory))) {
      cx.errors.push({
        path: ['mailstore', 'directory'],
        message: `unknown directory "${mailstore.directory}"`,
      });
    }
  }
  if (isObj(config.cache)) {
    const origin = config.cache.origin;
    checkPoolRef(cx, ['cache', 'origin'], origin);
    const pool = typeof origin === 'string' ? cx.pools[origin] : undefined;
    if (isObj(pool) && pool.sendProxy !== undefined) {
      cx.warnings.push({
        path: ['cache', 'origin'],
        message: `pool "${String(origin)}" has sendProxy, which cache nodes do not send: its servers would refuse them`,
      });
    }
  }
  return { errors: cx.errors, warnings: cx.warnings };
}

function checkPool(cx: Context, at: Path, pool: unknown): void {
  if (!isObj(pool)) return;
  const scheduler = pool.scheduler;
  if (typeof scheduler === 'string' && !schedulerInfo(scheduler)) {
    cx.errors.push({
      path: [...at, 'scheduler'],
      message: `unknown scheduler "${scheduler}" (known: ${schedulerNames().join(', ')})`,
    });
  }
  const info = poolScheduler(pool);
  if (info && !info.hashing) {
    for (const [key] of entries(pool.schedulerOptions)) {
      if (!HASHING_ONLY_OPTIONS.includes(key)) continue;
      cx.errors.push({
        path: [...at, 'schedulerOptions', key],
        message: `only used by hashing schedulers (${hashingSchedulers()}); "${info.name}" is not one`,
      });
    }
  }
  checkUniqueNames(cx, list(pool.servers), [...at, 'servers'], 'server');

  const health = pool.health;
  if (isObj(health)) {
    const interval = ms(health.interval, 2000);
    const timeout = ms(health.timeout, 1000);
    if (interval !== undefined && timeout !== undefined && interval > 0 && timeout >= interval) {
      cx.warnings.push({
        path: [...at, 'health', health.timeout === undefined ? 'interval' : 'timeout'],
        message: `timeout (${formatDuration(timeout)}) should be shorter than interval (${formatDuration(interval)})`,
      });
    }
  }

  const outlier = pool.outlier;
  if (isObj(outlier)) {
    const base = ms(outlier.baseEjectionTime, 30_000);
    const max = ms(outlier.maxEjectionTime, 300_000);
    if (base !== undefined && max !== undefined && max < base) {
      cx.errors.push({
        path: [
          ...at,
          'outlier',
          outlier.maxEjectionTime === undefined ? 'baseEjectionTime' : 'maxEjectionTime',
        ],
        message: `maxEjectionTime (${formatDuration(max)}) is shorter than baseEjectionTime (${formatDuration(base)})`,
      });
    }
  }

  if (pool.queueTimeout !== undefined && pool.maxQueue === undefined) {
    cx.warnings.push({ path: [...at, 'queueTimeout'], message: 'has no effect without maxQueue' });
  }
}

/** Names must be unique within a list (servers of a pool, listeners). */
function checkUniqueNames(cx: Context, items: unknown[], at: Path, what: string): void {
  const first = new Map<string, number>();
  items.forEach((item, i) => {
    if (!isObj(item) || typeof item.name !== 'string') return;
    const j = first.get(item.name);
    if (j === undefined) {
      first.set(item.name, i);
      return;
    }
    cx.errors.push({
      path: [...at, i, 'name'],
      message: `duplicate ${what} name "${item.name}" (first on line ${cx.lineOf([...at, j, 'name'])})`,
    });
  });
}

function checkPoolRef(cx: Context, path: Path, value: unknown): void {
  if (typeof value !== 'string' || Object.hasOwn(cx.pools, value)) return;
  const known = Object.keys(cx.pools);
  const hint = known.length > 0 ? `defined pools: ${known.join(', ')}` : 'no pools are defined';
  cx.errors.push({ path, message: `unknown pool "${value}" (${hint})` });
}

function checkTls(cx: Context, at: Path, tls: unknown): void {
  if (!isObj(tls)) return;
  if (tls.cert !== undefined && tls.key === undefined) {
    cx.errors.push({ path: [...at, 'key'], message: 'required when cert is set' });
  } else if (tls.key !== undefined && tls.cert === undefined) {
    cx.errors.push({ path: [...at, 'cert'], message: 'required when key is set' });
  } else if (tls.cert === undefined && tls.certificates === undefined) {
    cx.errors.push({ path: at, message: 'expected cert and key, or certificates' });
  }
}

/** acceptProxyFrom needs acceptProxy; a listener's proxyProtocol gave way to the pools' sendProxy. */
function checkProxyProtocol(cx: Context, at: Path, listener: Obj): void {
  if (listener.acceptProxyFrom !== undefined && listener.acceptProxy !== true) {
    cx.warnings.push({
      path: [...at, 'acceptProxyFrom'],
      message: 'has no effect without acceptProxy: true',
    });
  }
  const legacy = listener.proxyProtocol;
  if (legacy === undefined) return;
  const pools = [listener.pool, listener.relayPool].filter((p): p is string => typeof p === 'string');
  const overridden = pools.filter((p) => {
    const pool = cx.pools[p];
    return isObj(pool) && pool.sendProxy !== undefined && pool.sendProxy !== legacy;
  });
  const names = pools.map((p) => `"${p}"`).join(' and ') || 'the pool';
  cx.warnings.push({
    path: [...at, 'proxyProtocol'],
    message:
      overridden.length > 0
        ? `deprecated, and overridden by the sendProxy of pool ${overridden.map((p) => `"${p}"`).join(', ')}`
        : `deprecated: set sendProxy: ${String(legacy)} on pool ${names} instead (its health checks then send a PROXY header too)`,
  });
}

function checkListener(cx: Context, at: Path, listener: unknown, directories: unknown): void {
  if (!isObj(listener)) return;
  checkTls(cx, [...at, 'tls'], listener.tls);
  checkProxyProtocol(cx, at, listener);
  const protocol = listener.protocol ?? 'http';
  if (protocol !== 'http') {
    checkPoolRef(cx, [...at, 'pool'], listener.pool);
    checkPoolRef(cx, [...at, 'relayPool'], listener.relayPool);
    const dir = listener.directory;
    if (typeof dir === 'string' && !(isObj(directories) && Object.hasOwn(directories, dir))) {
      cx.errors.push({ path: [...at, 'directory'], message: `unknown directory "${dir}"` });
    }
    return;
  }

  const routes = list(listener.routes);
  let catchAll: number | undefined;
  routes.forEach((route, j) => {
    if (!isObj(route)) return;
    const path = [...at, 'routes', j];
    if (catchAll !== undefined && catchAll === j - 1) {
      cx.warnings.push({ path, message: `unreachable: routes[${catchAll}] matches every request` });
    }
    if (catchAll === undefined && ROUTE_CONDITIONS.every((k) => route[k] === undefined)) catchAll = j;
    checkPoolRef(cx, [...path, 'pool'], route.pool);
    const info = typeof route.pool === 'string' ? poolScheduler(cx.pools[route.pool]) : undefined;
    if (route.key !== undefined && info && !info.hashing) {
      cx.warnings.push({
        path: [...path, 'key'],
        message: `only used by hashing schedulers; pool "${route.pool}" uses ${info.name}`,
      });
    }
  });

  const dflt = listener.default;
  if (isObj(dflt)) {
    if (dflt.status !== undefined && dflt.pool !== undefined) {
      cx.errors.push({ path: [...at, 'default'], message: 'expected either status or pool, not both' });
    } else if (dflt.status === undefined && dflt.pool === undefined) {
      cx.errors.push({ path: [...at, 'default'], message: 'expected status or pool' });
    }
    checkPoolRef(cx, [...at, 'default', 'pool'], dflt.pool);
  }
}

interface Endpoint {
  readonly path: Path;
  readonly line: number;
  readonly what: string;
  readonly transport: 'tcp' | 'udp';
  readonly host: string;
  readonly port: number;
}

/** Two sockets cannot bind these (a wildcard covers specific addresses; `::` is dual-stack). */
function overlaps(a: Endpoint, b: Endpoint): boolean {
  if (a.transport !== b.transport || a.port !== b.port || a.port === 0) return false;
  const ha = a.host.toLowerCase();
  const hb = b.host.toLowerCase();
  if (ha === hb || ha === '::' || hb === '::') return true;
  return (ha === '0.0.0.0' && isIP(hb) !== 6) || (hb === '0.0.0.0' && isIP(ha) !== 6);
}

/** Listen addresses (listeners and admin) must not overlap. */
function checkAddresses(cx: Context, config: Obj): void {
  const endpoints: Endpoint[] = [];
  const add = (path: Path, what: string, transport: 'tcp' | 'udp', listen: unknown): void => {
    if (typeof listen !== 'string' || addressProblem(listen, true)) return;
    const { host, port } = parseHostPort(listen);
    endpoints.push({ path, line: cx.lineOf(path), what, transport, host, port });
  };
  list(config.listeners).forEach((l, i) => {
    if (!isObj(l)) return;
    const what = typeof l.name === 'string' ? `listener "${l.name}"` : `listeners[${i}]`;
    add(['listeners', i, 'listen'], what, l.protocol === 'icp' ? 'udp' : 'tcp', l.listen);
  });
  if (isObj(config.admin))
    add(['admin', 'listen'], 'admin', 'tcp', config.admin.listen ?? DEFAULT_ADMIN_LISTEN);

  endpoints.sort((a, b) => a.line - b.line);
  endpoints.forEach((e, i) => {
    const other = endpoints.slice(0, i).find((o) => overlaps(o, e));
    if (other) {
      cx.errors.push({
        path: e.path,
        message: `address conflicts with ${other.what} (${formatHostPort(other)}, line ${other.line})`,
      });
    }
  });
}
