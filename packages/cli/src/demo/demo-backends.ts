import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A demo web server: answers every path with who served it; /health says ok. */
export interface DemoBackend {
  readonly name: string;
  readonly address: string;
  close(): Promise<void>;
}

export async function startDemoBackend(name: string): Promise<DemoBackend> {
  const server: Server = createServer((req, res) => {
    req.resume();
    if (req.url === '/health') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok\n');
      return;
    }
    const body = `${JSON.stringify({ server: name, method: req.method, path: req.url })}\n`;
    // Static objects are cacheable, so the cache nodes keep them.
    const cache = req.url?.startsWith('/static/') ? 'public, max-age=300' : 'no-store';
    res.writeHead(200, { 'content-type': 'application/json', 'x-served-by': name, 'cache-control': cache });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    name,
    address: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
