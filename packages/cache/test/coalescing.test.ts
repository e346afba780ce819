import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CacheNode, Coalescer } from '../src/index.js';
import { send, startNode, TestOrigin } from './helpers.js';

describe('Coalescer', () => {
  it('one leader per key; waiters resume when it ends', async () => {
    const coalescer = new Coalescer();
    const end = coalescer.lead('k')!;
    expect(end).toBeTypeOf('function');
    expect(coalescer.lead('k')).toBeUndefined();
    expect(coalescer.lead('other')).toBeTypeOf('function');
    let resumed = false;
    const waiting = coalescer.wait('k', 5_000).then((waited) => {
      resumed = true;
      return waited;
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(resumed).toBe(false);
    end();
    expect(await waiting).toBe(true);
    expect(await coalescer.wait('k', 5_000)).toBe(false);
    expect(coalescer.lead('k')).toBeTypeOf('function');
  });

  it('a waiter gives up after its timeout', async () => {
    const coalescer = new Coalescer();
    coalescer.lead('slow');
    const started = Date.now();
    expect(await coalescer.wait('slow', 50)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });
});

describe('concurrent misses for one key make one origin fetch', () => {
  let origin: TestOrigin;
  let node: CacheNode;

  beforeAll(async () => {
    origin = await new TestOrigin((req, res) => {
      req.resume();
      const path = req.url ?? '/';
      // Slow enough that every client request arrives during the fetch.
      setTimeout(() => {
        const cacheable = !path.startsWith('/private');
        res.writeHead(200, {
          'cache-control': cacheable ? 'max-age=60' : 'private',
          'content-type': 'text/plain',
        });
        res.end(`body of ${path}`);
      }, 150);
    }).start();
    node = await startNode({}, origin);
  });

  afterAll(async () => {
    await node?.close();
    await origin?.stop();
  });

  it('20 clients, 1 fetch, everyone gets the body', async () => {
    const replies = await Promise.all(Array.from({ length: 20 }, () => send(node, '/hot.txt')));
    expect(replies.every((r) => r.status === 200 && r.body === 'body of /hot.txt')).toBe(true);
    expect(origin.count('/hot.txt')).toBe(1);
    expect(node.stats().requests).toMatchObject({ misses: 1, coalesced: 19 });
  });

  it('an uncacheable response: the waiters fetch on their own', async () => {
    const replies = await Promise.all(Array.from({ length: 4 }, () => send(node, '/private.txt')));
    expect(replies.every((r) => r.body === 'body of /private.txt')).toBe(true);
    expect(origin.count('/private.txt')).toBeGreaterThan(1);
  });
});
