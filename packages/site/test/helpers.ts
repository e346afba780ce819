import { once } from 'node:events';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from '@lvs7/core';
import type { SiteRoute } from '../src/site-routes.js';

export interface TestServer {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1, port 0. */
export async function listen(handler: RequestListener): Promise<TestServer> {
  const server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Serves a site's routes as the admin server would. */
export function serveRoutes(routes: readonly SiteRoute[]): Promise<TestServer> {
  return listen((req, res) => {
    const route = routes.find((r) => r.method === req.method && r.path === req.url);
    if (route === undefined) {
      res.writeHead(404).end();
      return;
    }
    void route.handler(req, res, {});
  });
}

export function webPool(count: number, maxConnections = 100): Pool {
  const servers = Array.from({ length: count }, (_, i) => ({
    name: `web${i}`,
    address: `127.0.0.1:${20_000 + i}`,
    maxConnections,
  }));
  return new Pool('web', { scheduler: 'rr', servers });
}

/** Sets every server's active sessions so the pool's load is `load` of its capacity. */
export function loadPool(pool: Pool, load: number): void {
  for (const server of pool.servers()) server.active = Math.round(server.maxConnections * load);
}
