import diagnosticsChannel from 'node:diagnostics_channel';
import http from 'node:http';
import net from 'node:net';
import { HealthCheckFailedError } from '../../src/errors.js';
import type { HealthEvent } from '../../src/events.js';
import { channels } from '../../src/events.js';

/** Polls `predicate` until truthy or `timeoutMs` passes (for state with no event). */
export async function waitFor<T>(
  predicate: () => T,
  timeoutMs = 3000,
  what = 'condition',
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = predicate();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Resolves with the next health transition for `server` published on lvs7:health. */
export function nextHealthEvent(server: string, timeoutMs = 3000): Promise<HealthEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      diagnosticsChannel.unsubscribe('lvs7:health', onMessage);
      reject(new Error(`no health event for ${server} within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (message: unknown) => {
      const event = message as HealthEvent;
      if (event.server.name !== server) return;
      clearTimeout(timer);
      diagnosticsChannel.unsubscribe('lvs7:health', onMessage);
      resolve(event);
    };
    channels.health.subscribe(onMessage);
  });
}

/** A node:http server on 127.0.0.1 that tracks its sockets; restartable on the same port. */
export class TestHttpServer {
  port = 0;
  readonly requests: http.IncomingMessage[] = [];
  readonly sockets = new Set<net.Socket>();
  connections = 0;
  #server: http.Server | undefined;

  constructor(readonly handler: http.RequestListener = (_req, res) => res.end('ok')) {}

  async start(): Promise<this> {
    const server = http.createServer((req, res) => {
      this.requests.push(req);
      this.handler(req, res);
    });
    server.on('connection', (socket) => {
      this.connections++;
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.#server = server;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (server === undefined) return;
    this.#server = undefined;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** A raw TCP server on 127.0.0.1 running `onConnection` for each client. */
export async function startTcpServer(
  onConnection: (socket: net.Socket) => void,
): Promise<{ port: number; sockets: Set<net.Socket>; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => sockets.delete(socket));
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    sockets,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A port nothing listens on (bound then released). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export const target = (port: number, name = 's1') => ({ host: '127.0.0.1', port, name });

/** A signal that aborts after `ms` with the reason a HealthSession gives. */
export function timeoutSignal(ms: number): AbortSignal {
  const controller = new AbortController();
  setTimeout(() => controller.abort(new HealthCheckFailedError(`timeout after ${ms} ms`)), ms).unref();
  return controller.signal;
}
