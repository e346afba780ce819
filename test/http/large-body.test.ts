import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { request as httpRequest } from 'node:http';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePool, Origin, type ProxyFixture, startProxy } from './helpers.js';

const SIZE = 1024 * 1024 * 1024; // 1 GiB each way
const BLOCK = Buffer.alloc(256 * 1024, 0x61);

/** SIZE bytes from a generator, never in memory at once. */
function source(size: number): Readable {
  let left = size;
  return new Readable({
    read() {
      if (left <= 0) return void this.push(null);
      const n = Math.min(left, BLOCK.length);
      left -= n;
      this.push(n === BLOCK.length ? BLOCK : BLOCK.subarray(0, n));
    },
  });
}

/** Counts the upload and streams SIZE bytes back while it arrives (full duplex). */
function handler(req: IncomingMessage, res: ServerResponse): void {
  let received = 0;
  req.on('data', (c: Buffer) => {
    received += c.length;
  });
  let pending = 2;
  const finish = () => {
    if (--pending > 0) return;
    res.addTrailers({ 'x-received': String(received) });
    res.end();
  };
  req.on('end', finish);
  res.setHeader('trailer', 'x-received');
  const down = source(SIZE);
  down.pipe(res, { end: false });
  down.on('end', finish);
}

describe('large bodies stream both ways with bounded memory', () => {
  let origin: Origin;
  let proxy: ProxyFixture;

  beforeAll(async () => {
    origin = await new Origin('big', handler).start();
    proxy = await startProxy({ routes: [{ pool: 'web' }] }, [makePool('web', [origin])]);
  });
  afterAll(async () => {
    await proxy.close();
    await origin.stop();
  });

  it('1 GiB up (chunked) and 1 GiB down, RSS growth < 150 MB', { timeout: 60_000 }, async () => {
    globalThis.gc?.();
    const rss0 = process.memoryUsage().rss;
    let peak = rss0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 50);
    const req = httpRequest({
      port: proxy.port,
      host: '127.0.0.1',
      method: 'POST',
      path: '/up',
      headers: { te: 'trailers' },
    });
    source(SIZE).pipe(req);
    const [res] = (await once(req, 'response')) as [IncomingMessage];
    let down = 0;
    res.on('data', (c: Buffer) => {
      down += c.length;
    });
    await once(res, 'end');
    clearInterval(sampler);
    expect(res.statusCode).toBe(200);
    expect(down).toBe(SIZE);
    expect(res.trailers['x-received']).toBe(String(SIZE));
    // The origin and the client run in this process too, so this bounds all three.
    expect(peak - rss0).toBeLessThan(150 * 1024 * 1024);
  });
});
