import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from '@lvs7/core';
import { pino } from 'pino';
import { Agent, type Dispatcher } from 'undici';
import { CacheNode, type CacheNodeOptions } from '../src/index.js';

export const logger = pino({ level: process.env.LVS7_TEST_LOG ?? 'silent' });

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A node:http origin on 127.0.0.1:0 that counts requests per path. */
export class TestOrigin {
  readonly hits = new Map<string, number>();
  readonly seen: IncomingMessage[] = [];
  handler: Handler;
  readonly #server: Server;

  constructor(handler: Handler) {
    this.handler = handler;
    this.#server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0]!;
      this.hits.set(path, (this.hits.get(path) ?? 0) + 1);
      this.seen.push(req);
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

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  count(path: string): number {
    return this.hits.get(path) ?? 0;
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(resolve));
  }
}

/** Serves `body` with these headers for GET and HEAD. */
export function respond(body: string | Buffer, headers: Record<string, string> = {}): Handler {
  return (req, res) => {
    req.resume();
    res.writeHead(200, { 'content-length': String(Buffer.byteLength(body)), ...headers });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}

/** A cache node on 127.0.0.1 port 0 (HTTP and ICP), accelerating `origin` when given. */
export async function startNode(
  options: Partial<CacheNodeOptions> & { name?: string },
  origin?: TestOrigin,
): Promise<CacheNode> {
  const pools = new Map<string, Pool>();
  if (origin !== undefined) {
    pools.set(
      'web',
      new Pool('web', {
        scheduler: 'rr',
        servers: [{ name: 'origin1', address: `127.0.0.1:${origin.port}` }],
      }),
    );
  }
  const node = new CacheNode({
    options: {
      name: 'cache1',
      listen: '127.0.0.1:0',
      icp: '127.0.0.1:0',
      memory: 8 * 1024 * 1024,
      ...(origin === undefined ? {} : { origin: 'web' }),
      ...options,
    },
    pools,
    logger,
  });
  await node.start();
  return node;
}

export const agent = new Agent({ keepAliveTimeout: 1000 });

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request to the node: origin-form `target` (accelerator) or absolute URL (forward proxy). */
export async function send(
  node: CacheNode,
  target: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  const res = await agent.request({
    origin: `http://127.0.0.1:${node.address()!.port}`,
    path: target,
    method: (options.method ?? 'GET') as Dispatcher.HttpMethod,
    headers: options.headers ?? {},
    body: options.body ?? null,
  });
  const body = await res.body.text();
  return { status: res.statusCode, headers: res.headers as Reply['headers'], body };
}

/** Every X-Cache value of a response, as one string. */
export function xcache(reply: Reply): string {
  const v = reply.headers['x-cache'];
  return Array.isArray(v) ? v.join(', ') : (v ?? '');
}
