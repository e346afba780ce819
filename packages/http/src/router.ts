import { InvalidHttpOptionError } from './errors.js';
import { compileHeaderRewrite, type HeaderRewrite } from './headers.js';
import type { RequestHead } from './http1/request-head.js';
import { compileKey, type KeyExtractor } from './key-extractor.js';
import { DEFAULTS, type HttpListenerOptions, type RetryCondition, type RouteOptions } from './options.js';
import { RouteMatcher } from './route-matcher.js';
import { EndpointStats } from './stats.js';
import { StickyCookie } from './sticky.js';

const RETRY_WORDS = new Set(['connect-failure', 'reset', 'timeout']);
/** RFC 9110 §9.2.2: may be repeated without changing the outcome. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);

/** Everything a request needs from its route, resolved at compile time. */
export class CompiledRoute {
  readonly name: string;
  readonly pool: string;
  readonly matcher: RouteMatcher | null;
  readonly key: KeyExtractor | null;
  readonly sticky: StickyCookie | null;
  readonly requestHeaders: HeaderRewrite | null;
  readonly responseHeaders: HeaderRewrite | null;
  readonly hostRewrite: string | null;
  readonly connectTimeout: number;
  readonly responseTimeout: number;
  readonly idleTimeout: number;
  readonly retries: number;
  readonly retryConnect: boolean;
  readonly retryReset: boolean;
  readonly retryTimeout: boolean;
  readonly retryStatuses: ReadonlySet<number> | null;
  /** ICP query timeout before choosing (ms); 0 = no ICP. */
  readonly icpTimeout: number;
  /** Set by the listener to its registry's entry for this route. */
  stats = new EndpointStats();
  readonly #strip: string;
  readonly #add: string;

  constructor(route: RouteOptions, name: string, matcher: RouteMatcher | null) {
    const what = `route ${name}`;
    this.name = name;
    this.pool = route.pool;
    this.matcher = matcher;
    this.key = compileKey(route.key, what);
    this.sticky = route.sticky === undefined ? null : new StickyCookie(route.sticky, what);
    this.requestHeaders = compileHeaderRewrite(route.requestHeaders, `${what}.requestHeaders`);
    this.responseHeaders = compileHeaderRewrite(route.responseHeaders, `${what}.responseHeaders`);
    const rewrite = route.rewrite ?? {};
    this.#strip = checkPrefix(rewrite.stripPrefix, `${what}.rewrite.stripPrefix`);
    this.#add = checkPrefix(rewrite.addPrefix, `${what}.rewrite.addPrefix`).replace(/\/$/, '');
    this.hostRewrite = rewrite.host ?? null;
    if (this.hostRewrite !== null && !/^[A-Za-z0-9.:[\]-]+$/.test(this.hostRewrite)) {
      throw new InvalidHttpOptionError(`${what}.rewrite.host: invalid host "${this.hostRewrite}"`);
    }
    const t = route.timeouts ?? {};
    this.connectTimeout = duration(t.connect, DEFAULTS.connect, `${what}.timeouts.connect`);
    this.responseTimeout = duration(t.response, DEFAULTS.response, `${what}.timeouts.response`);
    this.idleTimeout = duration(t.idle, DEFAULTS.idle, `${what}.timeouts.idle`);
    const retries = route.retries ?? {};
    this.retries = retries.count ?? DEFAULTS.retries;
    if (!Number.isInteger(this.retries) || this.retries < 0) {
      throw new InvalidHttpOptionError(`${what}.retries.count: expected an integer >= 0`);
    }
    const on: readonly RetryCondition[] = retries.on ?? DEFAULTS.retryOn;
    const statuses = new Set<number>();
    for (const c of on) {
      if (typeof c === 'number' && Number.isInteger(c) && c >= 400 && c <= 599) statuses.add(c);
      else if (typeof c !== 'string' || !RETRY_WORDS.has(c)) {
        throw new InvalidHttpOptionError(`${what}.retries.on: unknown condition "${String(c)}"`);
      }
    }
    this.retryConnect = on.includes('connect-failure');
    this.retryReset = on.includes('reset');
    this.retryTimeout = on.includes('timeout');
    this.retryStatuses = statuses.size > 0 ? statuses : null;
    this.icpTimeout = route.icp === undefined ? 0 : duration(route.icp.timeout, 50, `${what}.icp.timeout`);
  }

  /**
   * Whether a failure of this kind may be retried for this method: a
   * connect failure never reached the server, so any method; anything
   * after the request was sent only for idempotent methods. (The caller
   * checks the count and whether the body can still be resent.)
   */
  retryAllowed(kind: string, method: string): boolean {
    switch (kind) {
      case 'connect-failure':
        return this.retryConnect;
      case 'reset':
        return this.retryReset && IDEMPOTENT.has(method);
      case 'timeout':
        return this.retryTimeout && IDEMPOTENT.has(method);
      case 'status':
        return IDEMPOTENT.has(method);
      default:
        return false;
    }
  }

  /** The request-target sent to the server (stripPrefix, then addPrefix). */
  target(req: RequestHead): string {
    let target = req.target;
    if (this.#strip !== '' && req.path.startsWith(this.#strip)) {
      target = target.slice(this.#strip.length);
      if (target.charCodeAt(0) !== 0x2f) target = '/' + target;
    }
    return this.#add === '' ? target : this.#add + target;
  }
}

function checkPrefix(prefix: string | undefined, what: string): string {
  if (prefix === undefined || prefix === '') return '';
  if (!prefix.startsWith('/') || /[\s?#]/.test(prefix))
    throw new InvalidHttpOptionError(`${what}: expected a path starting with /`);
  return prefix;
}

function duration(value: number | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0)
    throw new InvalidHttpOptionError(`${what}: expected a duration > 0 ms`);
  return value;
}

/**
 * The ordered routes of a listener (first match wins) and the default
 * action. Compiled once per (re)load; matching allocates nothing.
 */
export class Router {
  readonly routes: readonly CompiledRoute[];
  /** Route used when none matches (default: { pool }), else null → `defaultStatus`. */
  readonly fallback: CompiledRoute | null;
  readonly defaultStatus: number;

  constructor(options: HttpListenerOptions, pools: ReadonlySet<string>) {
    const routes: CompiledRoute[] = [];
    const names = new Set<string>();
    (options.routes ?? []).forEach((route, index) => {
      const name = route.name ?? `route${index}`;
      if (names.has(name)) throw new InvalidHttpOptionError(`duplicate route name "${name}"`);
      names.add(name);
      if (!pools.has(route.pool))
        throw new InvalidHttpOptionError(`route ${name}: unknown pool "${route.pool}"`);
      routes.push(new CompiledRoute(route, name, new RouteMatcher(route, `route ${name}`)));
    });
    this.routes = routes;
    const fallback = options.default;
    if (fallback?.pool !== undefined) {
      if (!pools.has(fallback.pool))
        throw new InvalidHttpOptionError(`default: unknown pool "${fallback.pool}"`);
      this.fallback = new CompiledRoute({ pool: fallback.pool }, 'default', null);
      this.defaultStatus = 0;
    } else {
      this.fallback = null;
      const status = fallback?.status ?? DEFAULTS.defaultStatus;
      if (!Number.isInteger(status) || status < 200 || status > 599) {
        throw new InvalidHttpOptionError(`default.status: expected a status code, got ${status}`);
      }
      this.defaultStatus = status;
    }
  }

  /** The first matching route, the default pool route, or null (answer defaultStatus). */
  match(req: RequestHead): CompiledRoute | null {
    const routes = this.routes;
    for (let i = 0; i < routes.length; i++) {
      const route = routes[i]!;
      if (route.matcher!.matches(req)) return route;
    }
    return this.fallback;
  }
}
