import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IcpClient, IcpOpcode, IcpSocket } from '@lvs7/icp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CacheNode } from '../src/index.js';
import { agent, logger, respond, send, startNode, TestOrigin, xcache } from './helpers.js';

describe('cache node behaviour', () => {
  let origin: TestOrigin;
  let node: CacheNode;
  let releaseStream: () => void = () => {};

  beforeAll(async () => {
    origin = await new TestOrigin((req, res) => {
      const path = req.url ?? '/';
      if (req.method === 'POST') {
        let body = '';
        req.on('data', (c: Buffer) => (body += c));
        req.on('end', () => res.end(`posted ${body}`));
        return;
      }
      if (path === '/big.bin')
        return respond(Buffer.alloc(300_000, 1), { 'cache-control': 'max-age=60' })(req, res);
      if (path === '/vary.txt') {
        const gzip = /gzip/.test(String(req.headers['accept-encoding']));
        return respond(gzip ? 'zipped' : 'plain', { 'cache-control': 'max-age=60', vary: 'Accept-Encoding' })(
          req,
          res,
        );
      }
      if (path === '/stream.txt') {
        req.resume();
        res.writeHead(200, { 'cache-control': 'max-age=60', 'content-length': '12' });
        res.write('first ');
        new Promise<void>((resolve) => {
          releaseStream = resolve;
        }).then(() => res.end('second'));
        return;
      }
      return respond(`object ${path}`, { 'cache-control': 'max-age=60' })(req, res);
    }).start();
    node = await startNode({ maxObjectSize: 100_000 }, origin);
  });

  afterAll(async () => {
    await node?.close();
    await origin?.stop();
  });

  it('a miss streams to the client while the origin is still sending, and is stored', async () => {
    const res = await agent.request({
      origin: `http://127.0.0.1:${node.address()!.port}`,
      path: '/stream.txt',
      method: 'GET',
    });
    const chunks: string[] = [];
    for await (const chunk of res.body) {
      chunks.push(String(chunk));
      // The origin sends the rest only once the client has the first part.
      if (chunks.length === 1) releaseStream();
    }
    expect(chunks.join('')).toBe('first second');
    expect(xcache(await send(node, '/stream.txt'))).toBe('HIT from cache1');
    expect(origin.count('/stream.txt')).toBe(1);
  });

  it('objects over maxObjectSize are passed through, not stored', async () => {
    const one = await send(node, '/big.bin');
    expect(one.body.length).toBe(300_000);
    const two = await send(node, '/big.bin');
    expect(xcache(two)).toBe('MISS from cache1');
    expect(origin.count('/big.bin')).toBe(2);
  });

  it('Vary: each variant is stored and served to matching requests', async () => {
    const gzip = { 'accept-encoding': 'gzip' };
    expect((await send(node, '/vary.txt', { headers: gzip })).body).toBe('zipped');
    expect((await send(node, '/vary.txt')).body).toBe('plain');
    const hitZip = await send(node, '/vary.txt', { headers: gzip });
    const hitPlain = await send(node, '/vary.txt');
    expect([hitZip.body, xcache(hitZip)]).toEqual(['zipped', 'HIT from cache1']);
    expect([hitPlain.body, xcache(hitPlain)]).toEqual(['plain', 'HIT from cache1']);
    expect(origin.count('/vary.txt')).toBe(2);
  });

  it('POST passes through with its body and invalidates the stored URL', async () => {
    await send(node, '/form');
    expect(xcache(await send(node, '/form'))).toBe('HIT from cache1');
    const posted = await send(node, '/form', {
      method: 'POST',
      body: 'a=1',
      headers: { 'content-type': 'text/plain' },
    });
    expect(posted.body).toBe('posted a=1');
    expect(xcache(posted)).toBe('MISS from cache1');
    expect(xcache(await send(node, '/form'))).toBe('MISS from cache1');
  });

  it('only-if-cached: 504 on a miss, the object on a hit', async () => {
    const miss = await send(node, '/never.txt', { headers: { 'cache-control': 'only-if-cached' } });
    expect(miss.status).toBe(504);
    expect(miss.headers['x-lvs7-error']).toBe('LVS7_ERR_CACHE_ONLY_IF_CACHED');
    expect(origin.count('/never.txt')).toBe(0);
    await send(node, '/now.txt');
    const hit = await send(node, '/now.txt', { headers: { 'cache-control': 'only-if-cached' } });
    expect(hit.status).toBe(200);
  });

  it('its ICP responder answers HIT for fresh objects and MISS otherwise', async () => {
    await send(node, '/icp.txt');
    const socket = await IcpSocket.bind({ host: '127.0.0.1' });
    const client = new IcpClient({ socket, timeout: 1_000 });
    const peer = { name: 'cache1', host: '127.0.0.1', port: node.icpAddress!.port, type: 'sibling' as const };
    const base = `http://127.0.0.1:${node.address()!.port}`;
    const hit = await client.query(`${base}/icp.txt`, [peer]);
    const miss = await client.query(`${base}/other.txt`, [peer]);
    expect(hit.replies.map((r) => r.opcode)).toEqual([IcpOpcode.HIT]);
    expect(miss.replies.map((r) => r.opcode)).toEqual([IcpOpcode.MISS]);
    client.close();
    await socket.close();
  });

  it('rejects what it cannot serve: origin-form without an origin pool, CONNECT', async () => {
    const forwardOnly = await startNode({ name: 'fwd' });
    try {
      const res = await send(forwardOnly, '/x');
      expect(res.status).toBe(400);
      expect(res.headers['x-lvs7-error']).toBe('LVS7_ERR_CACHE_BAD_TARGET');
      const socket = connect(forwardOnly.address()!.port, '127.0.0.1');
      socket.end('CONNECT example.org:443 HTTP/1.1\r\nHost: example.org:443\r\n\r\n');
      let reply = '';
      for await (const chunk of socket) reply += String(chunk);
      expect(reply).toMatch(/^HTTP\/1\.1 501 /);
    } finally {
      await forwardOnly.close();
    }
  });

  it('is not an open proxy: clients outside httpAccess get 403', async () => {
    const closed = await startNode({ name: 'closed', httpAccess: ['10.0.0.0/8'] }, origin);
    try {
      const res = await send(closed, '/x');
      expect(res.status).toBe(403);
      expect(res.headers['x-lvs7-error']).toBe('LVS7_ERR_CACHE_ACCESS_DENIED');
      expect(origin.count('/x')).toBe(0);
    } finally {
      await closed.close();
    }
  });

  it('reports every invalid option at once', () => {
    expect(
      () =>
        new CacheNode({
          options: { name: 'bad name', listen: 'nowhere', icp: '127.0.0.1:x', memory: -1, origin: 'nope' },
          logger,
        }),
    ).toThrowError(/name: .*; listen: .*; icp: .*; origin: no pool "nope"; memory: /);
  });
});

describe('cache node with a disk store', () => {
  it('serves objects from disk after a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lvs7-cache-node-'));
    const origin = await new TestOrigin(respond('kept on disk', { 'cache-control': 'max-age=600' })).start();
    try {
      const first = await startNode({ disk: { path: dir, size: 1 << 20 } }, origin);
      // The cache key holds the Host: ask the restarted node with the first one's.
      const host = `127.0.0.1:${first.address()!.port}`;
      await send(first, '/persist.txt');
      await first.close();

      const second = await startNode({ disk: { path: dir, size: 1 << 20 } }, origin);
      try {
        expect(second.stats().store).toMatchObject({ diskObjects: 1, memoryObjects: 0 });
        const reply = await send(second, '/persist.txt', { headers: { host } });
        expect(reply.body).toBe('kept on disk');
        expect(xcache(reply)).toBe('HIT from cache1');
        expect(origin.count('/persist.txt')).toBe(1);
        expect(second.stats().requests).toMatchObject({ hits: 1, memoryHits: 0 });
      } finally {
        await second.close();
      }
    } finally {
      await origin.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
