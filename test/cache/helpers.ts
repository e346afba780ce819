import { execFile } from 'node:child_process';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import type { CacheNode, CacheNodeOptions, CacheRequestEvent } from '@lvs7/cache';
import { Pool } from '@lvs7/core';
import type { Logger } from 'pino';

// pino and undici are dependencies of @lvs7/cache, resolved from there.
const requireFromCache = createRequire(new URL('../../packages/cache/package.json', import.meta.url));
export const undici = requireFromCache('undici') as typeof import('undici');
const pino = requireFromCache('pino') as (options: object) => Logger;
export const logger: Logger = pino({ level: process.env.LVS7_TEST_LOG ?? 'silent' });

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A node:http origin on 127.0.0.1:0 that counts requests per path and keeps their headers. */
export class Origin {
  readonly hits = new Map<string, number>();
  readonly requests: IncomingMessage['headers'][] = [];
  handler: Handler;
  readonly #server: Server;

  constructor(handler: Handler) {
    this.handler = handler;
    this.#server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0]!;
      this.hits.set(path, (this.hits.get(path) ?? 0) + 1);
      this.requests.push(req.headers);
      this.handler(req, res);
    });
  }

  async start(): Promise<this> {
    this.#server.listen(0, '127.0.0.1');
    await once(this.#server, 'listening');
    return this;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  url(path: string): string {
    return `http://${this.address}${path}`;
  }

  count(path: string): number {
    return this.hits.get(path) ?? 0;
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(resolve));
  }
}

/** A pool named `web` with the origin as its one server (accelerator mode). */
export function originPool(origin: Origin): Map<string, Pool> {
  return new Map([
    ['web', new Pool('web', { scheduler: 'rr', servers: [{ name: 'origin1', address: origin.address }] })],
  ]);
}

/** Options for a node on 127.0.0.1 with free HTTP and ICP ports. */
export function nodeOptions(name: string, extra: Partial<CacheNodeOptions> = {}): CacheNodeOptions {
  return {
    name,
    listen: '127.0.0.1:0',
    icp: '127.0.0.1:0',
    icpAccess: ['127.0.0.0/8'],
    memory: 16 * 1024 * 1024,
    ...extra,
  };
}

export function httpAddress(node: CacheNode): string {
  return `127.0.0.1:${node.address()!.port}`;
}

export function icpAddress(node: CacheNode): string {
  return `127.0.0.1:${node.icpAddress!.port}`;
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Every value of a (possibly repeated) header as one string. */
export function header(reply: Reply, name: string): string {
  const v = reply.headers[name];
  return Array.isArray(v) ? v.join(', ') : (v ?? '');
}

/** GET with undici (origin-form, to a node in accelerator mode or to the distributor). */
export async function get(base: string, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  const res = await undici.request(`http://${base}${path}`, { headers });
  return { status: res.statusCode, headers: res.headers as Reply['headers'], body: await res.body.text() };
}

const run = promisify(execFile);

/**
 * A request with curl: through `proxy` (absolute-form) when given, else
 * straight to the URL; status, headers (lowercase) and body.
 */
export async function curl(proxy: string | undefined, url: string, args: string[] = []): Promise<Reply> {
  const via = proxy === undefined ? [] : ['-x', `http://${proxy}`];
  const { stdout } = await run('curl', ['-s', '-i', '--max-time', '15', ...via, ...args, url], {
    encoding: 'buffer',
  });
  const text = stdout.toString('latin1');
  const split = text.indexOf('\r\n\r\n');
  const [statusLine, ...lines] = text.slice(0, split).split('\r\n');
  const headers: Record<string, string | string[]> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const before = headers[name];
    headers[name] = before === undefined ? value : [...(Array.isArray(before) ? before : [before]), value];
  }
  return { status: Number(statusLine!.split(' ')[1]), headers, body: text.slice(split + 4) };
}

/** Collects the cache nodes' access events (lvs7:cache:request) while the test runs. */
export class AccessEvents {
  readonly events: CacheRequestEvent[] = [];
  readonly #listener = (message: unknown) => {
    this.events.push(message as CacheRequestEvent);
  };

  constructor() {
    subscribe('lvs7:cache:request', this.#listener);
  }

  of(node: string, url?: string): CacheRequestEvent[] {
    return this.events.filter((e) => e.node === node && (url === undefined || e.url === url));
  }

  close(): void {
    unsubscribe('lvs7:cache:request', this.#listener);
  }
}

/** An origin handler: `body` fresh for an hour, with validators. */
export function cacheable(body: string, extra: Record<string, string> = {}): Handler {
  return (req, res) => {
    req.resume();
    res.writeHead(200, {
      'content-type': 'text/plain',
      'content-length': String(Buffer.byteLength(body)),
      'cache-control': 'max-age=3600',
      etag: '"v1"',
      'last-modified': new Date(Date.now() - 60_000).toUTCString(),
      ...extra,
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}
