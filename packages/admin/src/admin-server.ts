import { timingSafeEqual } from 'node:crypto';
import {
  createServer,
  type Server as HttpServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseHostPort, SERVER_STATES, type ServerState } from '@lvs7/core';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import type { AdminTarget } from './admin-target.js';
import { CoreMetrics } from './core-metrics.js';
import { AdminRequestError, badRequest, notFound, statusOf, unauthorized } from './errors.js';
import { optionalInteger, readJsonObject, rejectUnknownKeys, requiredString } from './json-body.js';
import { registerListenerMetrics } from './listener-metrics.js';
import { poolView, serverView } from './pool-view.js';
import { type RouteHandler, Router } from './router.js';
import { sendStatusPage, statusSnapshot, streamStatus } from './status-page.js';

export interface AdminServerOptions {
  /** host:port */
  readonly listen: string;
  /** When set, every change (POST/PATCH/DELETE) needs `Authorization: Bearer <token>`. */
  readonly token?: string | undefined;
  readonly target: AdminTarget;
  readonly logger: Logger;
  /** Shared with distributors so their metrics appear on /metrics too. */
  readonly registry?: Registry | undefined;
  /** How often the status page's event stream sends a snapshot (ms); default 1000. */
  readonly statusIntervalMs?: number | undefined;
}

/**
 * The runtime API, as HAProxy's: read pools and servers, add, re-weight,
 * drain, maintain and remove servers without a reload; /metrics for
 * Prometheus. Bad input gets a 4xx with a JSON error, never a crash.
 */
export class AdminServer {
  readonly registry: Registry;
  readonly router = new Router();
  readonly #options: AdminServerOptions;
  readonly #metrics: CoreMetrics;
  readonly #token: Buffer | undefined;
  #http: HttpServer | undefined;

  constructor(options: AdminServerOptions) {
    this.#options = options;
    this.registry = options.registry ?? new Registry();
    this.#metrics = new CoreMetrics(this.registry, options.target);
    registerListenerMetrics(this.registry, () => options.target.listenerStats?.() ?? []);
    this.#token = options.token ? Buffer.from(options.token) : undefined;
    this.#addRoutes();
  }

  /** Adds an API route (other packages extend the API, e.g. mail user placement). */
  route(method: string, path: string, handler: RouteHandler): void {
    this.router.add(method, path, handler);
  }

  async listen(): Promise<void> {
    const { host, port } = parseHostPort(this.#options.listen);
    if (!this.#token && !isLoopback(host)) {
      throw new AdminRequestError(
        500,
        'LVS7_ERR_ADMIN_TOKEN_REQUIRED',
        `admin.listen ${this.#options.listen} is not a loopback address: set admin.token`,
      );
    }
    const http = createServer((req, res) => void this.#handle(req, res));
    http.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(port, host, () => {
        http.off('error', reject);
        resolve();
      });
    });
    this.#http = http;
  }

  address(): AddressInfo | undefined {
    return (this.#http?.address() as AddressInfo | null) ?? undefined;
  }

  async close(): Promise<void> {
    this.#metrics.close();
    const http = this.#http;
    this.#http = undefined;
    if (!http) return;
    await new Promise<void>((resolve) => {
      http.close(() => resolve());
      http.closeAllConnections();
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const path = (req.url ?? '/').split('?')[0]!;
      const match = this.router.match(req.method ?? 'GET', path);
      if (match === undefined) throw notFound(`no such resource: ${path}`);
      if (match === 'method') throw new AdminRequestError(405, 'LVS7_ERR_ADMIN_METHOD', `method not allowed`);
      if (match.mutates) this.#authorize(req);
      await match.handler(req, res, match.params);
    } catch (err) {
      const status = statusOf(err);
      if (status >= 500) this.#options.logger.error({ err }, 'admin request failed');
      const code =
        err instanceof AdminRequestError || status < 500
          ? (err as { code?: string }).code
          : 'LVS7_ERR_INTERNAL';
      const message = status < 500 ? (err as Error).message : 'internal error';
      if (!res.headersSent) sendJson(res, status, { error: { code, message } });
      else res.destroy();
    }
  }

  #authorize(req: IncomingMessage): void {
    // CSRF: a browser page of another site may not change anything, token or not.
    const site = req.headers['sec-fetch-site'];
    const origin = req.headers.origin;
    if (
      site === 'cross-site' ||
      site === 'same-site' ||
      (origin !== undefined && !sameOrigin(origin, req.headers.host))
    ) {
      throw new AdminRequestError(
        403,
        'LVS7_ERR_ADMIN_CROSS_SITE',
        'cross-site requests may not change anything',
      );
    }
    if (!this.#token) return;
    const header = req.headers.authorization ?? '';
    const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7) : '');
    if (given.length !== this.#token.length || !timingSafeEqual(given, this.#token)) throw unauthorized();
  }

  #addRoutes(): void {
    const target = this.#options.target;
    const pool = (name: string) => {
      const found = target.pools().get(name);
      if (!found) throw notFound(`no pool "${name}"`);
      return found;
    };
    this.route('GET', '/api/pools', (_req, res) =>
      sendJson(res, 200, { pools: [...target.pools().values()].map(poolView) }),
    );
    this.route('GET', '/api/pools/:pool', (_req, res, p) => sendJson(res, 200, poolView(pool(p.pool!))));
    this.route('GET', '/api/pools/:pool/servers/:server', (_req, res, p) =>
      sendJson(res, 200, serverView(pool(p.pool!).mustGet(p.server!))),
    );
    this.route('POST', '/api/pools/:pool/servers', async (req, res, p) => {
      pool(p.pool!);
      const body = await readJsonObject(req);
      rejectUnknownKeys(body, ['name', 'address', 'weight', 'backup', 'maxConnections', 'state']);
      const state = parseState(body.state);
      if (body.backup !== undefined && typeof body.backup !== 'boolean')
        throw badRequest('backup: expected a boolean');
      const server = target.addServer(p.pool!, {
        name: requiredString(body, 'name'),
        address: requiredString(body, 'address'),
        weight: optionalInteger(body, 'weight', 0, 256),
        backup: body.backup as boolean | undefined,
        maxConnections: optionalInteger(body, 'maxConnections', 0, 1_000_000),
        state,
      });
      sendJson(res, 201, serverView(server));
    });
    this.route('PATCH', '/api/pools/:pool/servers/:server', async (req, res, p) => {
      pool(p.pool!).mustGet(p.server!);
      const body = await readJsonObject(req);
      rejectUnknownKeys(body, ['weight', 'state']);
      const weight = optionalInteger(body, 'weight', 0, 256);
      const state = parseState(body.state);
      if (weight === undefined && state === undefined) throw badRequest('expected weight and/or state');
      sendJson(res, 200, serverView(target.patchServer(p.pool!, p.server!, { weight, state })));
    });
    this.route('DELETE', '/api/pools/:pool/servers/:server', (_req, res, p) => {
      const server = pool(p.pool!).mustGet(p.server!);
      const removal = target.removeServer(p.pool!, p.server!);
      removal.catch((err) => this.#options.logger.error({ err }, 'removing a server failed'));
      const removed = pool(p.pool!).get(p.server!) !== server;
      sendJson(res, removed ? 200 : 202, { ...serverView(server), removed });
    });
    this.route('GET', '/', (_req, res) => sendStatusPage(res));
    this.route('GET', '/api/status', (_req, res) => sendJson(res, 200, statusSnapshot(target)));
    this.route('GET', '/api/events', (req, res) =>
      streamStatus(req, res, target, this.#options.statusIntervalMs),
    );
    this.route('GET', '/api/health', (_req, res) => {
      const health = target.health();
      sendJson(res, health.ready && !health.draining ? 200 : 503, health);
    });
    this.route('GET', '/metrics', async (_req, res) => {
      const text = await this.registry.metrics();
      res.writeHead(200, { 'content-type': this.registry.contentType });
      res.end(text);
    });
  }
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function sameOrigin(origin: string, host: string | undefined): boolean {
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}

function parseState(value: unknown): ServerState | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !SERVER_STATES.includes(value as ServerState)) {
    throw badRequest(`state: expected one of ${SERVER_STATES.join(', ')}`);
  }
  return value as ServerState;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
