import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from '@lvs7/core';
import { HttpListener, type HttpOverflowHook, type OverflowEvent } from '@lvs7/http';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from './helpers.js';

interface Got {
  readonly by: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A server that answers `by` and records what it got. */
async function origin(by: string, host: string, port = 0): Promise<{ server: Server; got: Got[] }> {
  const got: Got[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      got.push({ by, headers: req.headers, body });
      res.end(by);
    });
  });
  server.listen(port, host);
  await once(server, 'listening');
  return { server, got };
}

function send(
  port: number,
  options: { method?: string; body?: string; headers?: Record<string, string>; localAddress?: string } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/x?y=1',
        method: options.method ?? 'GET',
        headers: options.headers,
        localAddress: options.localAddress,
        agent: false,
      },
      (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** A hook that sends every unmarked request to `peerAddress` and counts what happened. */
function hook(peerAddress: string, peers: Record<string, string> = {}) {
  const events: Array<[OverflowEvent, string]> = [];
  let decisions = 0;
  const h: HttpOverflowHook = {
    site: 'siteA',
    address: '127.0.0.1',
    decide: () => {
      decisions++;
      return { peer: 'siteB', address: peerAddress };
    },
    peerAt: (address) => peers[address],
    record: (event, peer) => events.push([event, peer]),
  };
  return { h, events, decisions: () => decisions };
}

describe('HTTP overflow to a peer site', () => {
  const closing: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const close of closing.splice(0)) await close();
  });

  async function setup(peerAddress: string, peers?: Record<string, string>) {
    const local = await origin('local', '127.0.0.1');
    const pool = new Pool('web', {
      scheduler: 'rr',
      servers: [{ name: 'local', address: `127.0.0.1:${(local.server.address() as AddressInfo).port}` }],
    });
    const overflow = hook(peerAddress, peers);
    const listener = new HttpListener({
      options: { name: 'www', listen: '127.0.0.1:0', routes: [{ pathPrefix: '/', pool: 'web' }] },
      pools: new Map([['web', pool]]),
      logger: silentLogger,
      overflow: overflow.h,
    });
    await listener.listen();
    const port = listener.address()!.port;
    closing.push(
      () => listener.close({ drainTimeoutMs: 100 }),
      async () => pool.close(),
      () => new Promise((r) => local.server.close(r)),
    );
    return { local, port, overflow };
  }

  it('proxies the request to the peer on the same port, marked, with the client address', async () => {
    const { local, port, overflow } = await setup('127.0.0.2');
    const peer = await origin('peer', '127.0.0.2', port);
    closing.push(() => new Promise((r) => peer.server.close(r)));
    const answer = await send(port, {
      method: 'POST',
      body: 'hello',
      headers: { 'x-lvs7-overflow': 'forged', 'x-forwarded-for': '6.6.6.6' },
    });
    expect(answer).toEqual({ status: 200, body: 'peer' });
    expect(local.got).toEqual([]);
    const got = peer.got[0]!;
    expect(got.body).toBe('hello');
    expect(got.headers['x-lvs7-overflow']).toBe('siteA');
    expect(got.headers['x-forwarded-for']).toBe('127.0.0.1'); // the client's own XFF is not believed
    expect(overflow.events).toEqual([['forwarded', 'siteB']]);
  });

  it('serves the request here when the peer cannot be reached, body included', async () => {
    const { local, port, overflow } = await setup('127.0.0.3'); // nothing listens there
    const answer = await send(port, { method: 'POST', body: 'hello' });
    expect(answer).toEqual({ status: 200, body: 'local' });
    expect(local.got[0]!.body).toBe('hello');
    expect(local.got[0]!.headers['x-lvs7-overflow']).toBeUndefined();
    expect(overflow.events).toEqual([
      ['forwarded', 'siteB'],
      ['failed', 'siteB'],
    ]);
  });

  it('never forwards a request a peer marked, and ignores the mark from anyone else', async () => {
    const { local, port, overflow } = await setup('127.0.0.2', { '127.0.0.4': 'siteB' });
    const peer = await origin('peer', '127.0.0.2', port);
    closing.push(() => new Promise((r) => peer.server.close(r)));
    const marked = await send(port, { headers: { 'x-lvs7-overflow': 'siteB' }, localAddress: '127.0.0.4' });
    expect(marked.body).toBe('local');
    expect(overflow.decisions()).toBe(0);
    expect(local.got[0]!.headers['x-forwarded-for']).toBe('127.0.0.4');
    const spoofed = await send(port, { headers: { 'x-lvs7-overflow': 'siteB' }, localAddress: '127.0.0.5' });
    expect(spoofed.body).toBe('peer');
    expect(overflow.events).toEqual([
      ['received', 'siteB'],
      ['forwarded', 'siteB'],
    ]);
  });
});
