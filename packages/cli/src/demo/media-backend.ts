import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DemoBackend } from './demo-backends.js';

/** Writes `bytes` of deterministic data (a stand-in video) without holding it in memory. */
export async function writeMediaFile(path: string, bytes: number): Promise<void> {
  const file = await open(path, 'w');
  const chunk = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 31) & 0xff;
  try {
    for (let written = 0; written < bytes; written += chunk.length) {
      await file.write(chunk, 0, Math.min(chunk.length, bytes - written));
    }
  } finally {
    await file.close();
  }
}

/**
 * A media server: every path under /video/ serves one large file, with
 * single byte ranges (206, 416) so players can seek.
 */
export async function startMediaBackend(name: string, file: string): Promise<DemoBackend> {
  const { size } = await stat(file);
  const server = createServer((req, res) => {
    req.resume();
    if (req.url === '/health') {
      res.end('ok\n');
      return;
    }
    const headers = {
      'content-type': 'video/mp4',
      'accept-ranges': 'bytes',
      'x-served-by': name,
      etag: `"${size}"`,
    };
    const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
    if (!range || (range[1] === '' && range[2] === '')) {
      res.writeHead(200, { ...headers, 'content-length': size });
      if (req.method === 'HEAD') res.end();
      else createReadStream(file).pipe(res);
      return;
    }
    let start = range[1] === '' ? size - Number(range[2]) : Number(range[1]);
    let end = range[1] === '' || range[2] === '' ? size - 1 : Math.min(Number(range[2]), size - 1);
    start = Math.max(0, start);
    if (start > end || start >= size) {
      res.writeHead(416, { ...headers, 'content-range': `bytes */${size}` });
      res.end();
      return;
    }
    end = Math.min(end, size - 1);
    res.writeHead(206, {
      ...headers,
      'content-length': end - start + 1,
      'content-range': `bytes ${start}-${end}/${size}`,
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file, { start, end }).pipe(res);
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
