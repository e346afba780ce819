import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePool, Origin, type ProxyFixture, startProxy } from './helpers.js';

const SIZE = 24 * 1024 * 1024;

/** Byte at offset i: a position-dependent pattern, so any reordering or overwrite is caught. */
const byteAt = (i: number) => (i * 31 + (i >>> 13)) & 0xff;

function pattern(size: number, blockSize: number): Readable {
  let offset = 0;
  return new Readable({
    read() {
      if (offset >= size) return void this.push(null);
      const n = Math.min(blockSize, size - offset);
      const block = Buffer.allocUnsafe(n);
      for (let j = 0; j < n; j++) block[j] = byteAt(offset + j);
      offset += n;
      this.push(block);
    },
  });
}

function handler(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  // Odd block sizes so reads, chunks and buffers never line up.
  if (req.url === '/length') res.setHeader('content-length', SIZE);
  pattern(SIZE, 12_345).pipe(res);
}

/** Reads a raw response slowly (pausing often) and checks every body byte against the pattern. */
async function slowCheck(
  port: number,
  request: string,
): Promise<{ head: string; bad: number; size: number }> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  // A corrupted stream may never end: give up (and fail on size) instead of hanging.
  socket.setTimeout(3000, () => socket.destroy());
  socket.write(request);
  let head = '';
  let headDone = false;
  let pending = Buffer.alloc(0);
  let offset = 0;
  let bad = 0;
  /** Chunked reader state: -1 size line expected, 0 CRLF after data expected, > 0 data left, -2 done. */
  let chunkedLeft = -1;
  let reads = 0;
  const isChunked = () => /transfer-encoding: chunked/i.test(head);
  const consume = (data: Buffer) => {
    for (let j = 0; j < data.length; j++) if (data[j] !== byteAt(offset + j)) bad++;
    offset += data.length;
  };
  for await (const chunk of socket as AsyncIterable<Buffer>) {
    pending = Buffer.concat([pending, chunk]);
    if (!headDone) {
      const end = pending.indexOf('\r\n\r\n');
      if (end < 0) continue;
      head = pending.toString('latin1', 0, end);
      pending = pending.subarray(end + 4);
      headDone = true;
    }
    if (!isChunked()) {
      consume(pending);
      pending = Buffer.alloc(0);
    } else {
      for (;;) {
        if (chunkedLeft === 0) {
          // CRLF after chunk data, then a size line is expected (-1).
          if (pending.length < 2) break;
          pending = pending.subarray(2);
          chunkedLeft = -1;
        }
        if (chunkedLeft === -1) {
          const eol = pending.indexOf('\r\n');
          if (eol < 0) break;
          chunkedLeft = Number.parseInt(pending.toString('latin1', 0, eol), 16);
          pending = pending.subarray(eol + 2);
          if (!Number.isFinite(chunkedLeft)) {
            bad++;
            socket.destroy();
            return { head, bad, size: offset };
          }
          if (chunkedLeft === 0) {
            chunkedLeft = -2;
            break;
          }
        }
        if (chunkedLeft < 0) break;
        const take = Math.min(chunkedLeft, pending.length);
        consume(pending.subarray(0, take));
        pending = pending.subarray(take);
        chunkedLeft -= take;
        if (take === 0) break;
      }
    }
    // A slow reader: the proxy's writes to us pend, which is the case to get right.
    if (++reads % 16 === 0) await sleep(2);
  }
  return { head, bad, size: offset };
}

describe('body integrity through buffer reuse and backpressure', () => {
  let origin: Origin;
  let proxy: ProxyFixture;
  beforeAll(async () => {
    origin = await new Origin('s0', handler).start();
    proxy = await startProxy({ routes: [{ pool: 'web' }] }, [makePool('web', [origin])]);
  });
  afterAll(async () => {
    await proxy.close();
    await origin.stop();
  });

  it.each([
    ['Content-Length', 'GET /length HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n'],
    ['chunked', 'GET /chunked HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n'],
    ['chunked decoded for HTTP/1.0', 'GET /chunked HTTP/1.0\r\n\r\n'],
  ])('%s: every byte arrives in place to a slow client', { timeout: 60_000 }, async (_name, request) => {
    const result = await slowCheck(proxy.port, request);
    expect(result.head).toMatch(/^HTTP\/1\.1 200/);
    expect(result.size).toBe(SIZE);
    expect(result.bad).toBe(0);
  });
});
