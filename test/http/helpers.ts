import { execFile } from 'node:child_process';
import { once } from 'node:events';
import {
  createServer,
  type Server as HttpServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { createRequire } from 'node:module';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { Pool, type ServerSpec } from '@lvs7/core';
import { HttpListener, type HttpListenerOptions, type HttpPoolOptions } from '@lvs7/http';
import type { Logger } from 'pino';

// pino and undici are dependencies of @lvs7/http, resolved from there.
const requireFromHttp = createRequire(new URL('../../packages/http/package.json', import.meta.url));
export const undici = requireFromHttp('undici') as typeof import('undici');
const pino = requireFromHttp('pino') as (options: object) => Logger;
export const silentLogger: Logger = pino({ level: process.env.LVS7_TEST_LOG ?? 'silent' });

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** A real node:http origin on 127.0.0.1:0 that counts what reaches it. */
export class Origin {
  readonly name: string;
  server: HttpServer;
  port = 0;
  requests = 0;
  readonly seen: IncomingMessage[] = [];
  readonly sockets = new Set<Socket>();
  handler: Handler;

  constructor(name: string, handler?: Handler) {
    this.name = name;
    this.handler = handler ?? ((req, res) => defaultHandler(this.name, req, res));
    this.server = this.#create();
  }

  #create(): HttpServer {
    const server = createServer((req, res) => {
      this.requests++;
      this.seen.push(req);
      res.setHeader('x-served-by', this.name);
      this.handler(req, res);
    });
    server.keepAliveTimeout = 30_000;
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    return server;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(port = this.port): Promise<this> {
    if (this.server.listening) return this;
    if (!this.server.listening && this.port !== 0) this.server = this.#create();
    this.server.listen(port, '127.0.0.1');
    await once(this.server, 'listening');
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** Down hard: listener closed, every connection destroyed. */
  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    if (this.server.listening) await new Promise<void>((r) => this.server.close(() => r()));
  }
}

function defaultHandler(name: string, req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  req.on('end', () => res.end(`${name} ${req.method} ${req.url}\n`));
}

export async function startOrigins(n: number, handler?: Handler): Promise<Origin[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => new Origin(`s${i}`, handler).start()));
}

export function makePool(
  name: string,
  origins: readonly Origin[],
  extra: Partial<ServerSpec> = {},
  scheduler = 'rr',
): Pool {
  return new Pool(name, {
    scheduler,
    servers: origins.map((o) => ({ name: o.name, address: o.address, ...extra })),
  });
}

export interface ProxyFixture {
  listener: HttpListener;
  port: number;
  url: string;
  close(): Promise<void>;
}

export async function startProxy(
  options: Partial<HttpListenerOptions>,
  pools: Pool[],
  poolOptions?: Record<string, HttpPoolOptions>,
): Promise<ProxyFixture> {
  const listener = new HttpListener({
    options: { name: 'test', listen: '127.0.0.1:0', ...options },
    pools: new Map(pools.map((p) => [p.name, p])),
    poolOptions,
    logger: silentLogger,
  });
  await listener.listen();
  const port = listener.address()!.port;
  return {
    listener,
    port,
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      await listener.close({ drainTimeoutMs: 200 });
      for (const p of pools) p.close();
    },
  };
}

/** Writes raw bytes, returns everything the proxy sends until it closes (or `ms` pass). */
export async function raw(
  port: number,
  data: string | Buffer | (string | Buffer)[],
  ms = 3000,
): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  socket.on('data', (c) => chunks.push(c));
  await once(socket, 'connect');
  for (const d of Array.isArray(data) ? data : [data]) socket.write(d);
  const timer = setTimeout(() => socket.destroy(), ms);
  await once(socket, 'close');
  clearTimeout(timer);
  return Buffer.concat(chunks).toString('latin1');
}

/** Status codes of every response in a raw byte stream. */
export function statuses(text: string): number[] {
  return [...text.matchAll(/HTTP\/1\.[01] (\d{3}) /g)].map((m) => Number(m[1]));
}

export function curl(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    execFile('curl', ['-sS', ...args], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ stdout, stderr, code });
    });
  });
}

/** GET (or other) through undici with a fresh client; returns status, headers and body text. */
export async function request(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const res = await undici.request(url, {
    method: (options.method ?? 'GET') as 'GET',
    headers: options.headers,
    body: options.body,
  });
  const body = await res.body.text();
  return { status: res.statusCode, headers: res.headers, body };
}
