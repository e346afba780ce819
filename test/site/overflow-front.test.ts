import { once } from 'node:events';
import net from 'node:net';
import { type ConnectionEnds, SiteOverflow } from '@lvs7/cli';
import { encodeProxyHeader, readProxyHeader } from '@lvs7/core';
import { Site } from '@lvs7/site';
import { waitFor } from '@lvs7/testkit';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * The TCP front of IMAP/POP3/SMTP site listeners, on loopback with plain
 * sockets: what it splices to a peer site, what it serves here, what it
 * refuses. (test/site/overflow.test.ts runs it inside two `lvs7 start`.)
 */
describe('the overflow front of mail listeners', () => {
  const ADDRESS = '127.0.0.21';
  const PEER = '127.0.0.22';
  const closing: Array<() => unknown> = [];
  afterEach(async () => {
    for (const close of closing.splice(0)) await close();
  });

  /** A listener socket on this site's address whose connections go through the front. */
  async function listener(target: string | undefined) {
    const site = new Site(
      {
        name: 'siteA',
        vip: '127.0.0.11',
        address: ADDRESS,
        overflow: {},
        peers: [{ name: 'siteB', admin: 'http://127.0.0.1:1', address: PEER }],
      },
      { pools: () => [] },
    );
    site.decide = () => (target === undefined ? undefined : { peer: 'siteB', address: target });
    const overflow = new SiteOverflow(site, pino({ level: 'silent' }));
    const served: Array<{ socket: net.Socket; ends: ConnectionEnds | undefined }> = [];
    let port = 0;
    const front = overflow.front(
      'imap',
      'imap',
      () => port,
      (socket, ends) => {
        served.push({ socket, ends });
        socket.resume();
        socket.end('served here\r\n');
      },
    );
    const server = net.createServer((socket) => {
      if (!front(socket)) {
        served.push({ socket, ends: undefined });
        socket.resume();
        socket.end('not taken\r\n');
      }
    });
    server.listen(0, ADDRESS);
    await once(server, 'listening');
    port = (server.address() as net.AddressInfo).port;
    closing.push(() => new Promise((r) => server.close(r)));
    return { site, served, port };
  }

  function talk(port: number, host: string, send: Buffer | string, localAddress?: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host, localAddress }, () => socket.write(send));
      let got = '';
      socket.on('data', (c) => (got += c));
      socket.on('close', () => resolve(got));
      socket.on('error', reject);
    });
  }

  it('splices a new connection to the peer after a PROXY v2 header naming the client', async () => {
    const { site, served, port } = await listener(PEER);
    const headers: unknown[] = [];
    const peer = net.createServer(async (socket) => {
      const { header, rest } = await readProxyHeader(socket);
      headers.push(header);
      socket.on('data', (c) => socket.end(`peer got ${c}`));
      if (rest.length > 0) socket.unshift(rest);
      socket.resume();
    });
    peer.listen(port, PEER);
    await once(peer, 'listening');
    closing.push(() => new Promise((r) => peer.close(r)));
    expect(await talk(port, ADDRESS, 'hello', '127.0.0.5')).toBe('peer got hello');
    expect(served).toEqual([]);
    expect(headers[0]).toMatchObject({
      source: { address: '127.0.0.5' },
      destination: { address: ADDRESS, port },
    });
    expect(site.traffic.entries()).toMatchObject([{ listener: 'imap', peer: 'siteB', forwarded: 1 }]);
  });

  it('serves the connection here when the peer cannot be reached', async () => {
    const { site, served, port } = await listener('127.0.0.3');
    expect(await talk(port, ADDRESS, 'hello')).toBe('served here\r\n');
    expect(served).toHaveLength(1);
    expect(site.traffic.entries()).toMatchObject([{ peer: 'siteB', forwarded: 0, failed: 1 }]);
  });

  it("serves a peer's connection to the site address here, with the client its PROXY header names", async () => {
    const { site, served, port } = await listener(PEER);
    const header = encodeProxyHeader(
      'v2',
      { address: '192.0.2.7', port: 4321 },
      { address: '127.0.0.11', port },
    );
    expect(await talk(port, ADDRESS, header, PEER)).toBe('served here\r\n');
    expect(served[0]!.ends).toEqual({
      client: { address: '192.0.2.7', port: 4321 },
      local: { address: '127.0.0.11', port },
    });
    expect(site.traffic.entries()).toMatchObject([{ peer: 'siteB', received: 1, forwarded: 0 }]);
  });

  it('closes a connection from a peer that does not start with a PROXY header', async () => {
    const { site, served, port } = await listener(PEER);
    expect(await talk(port, ADDRESS, 'a1 LOGIN alice secret\r\n', PEER)).toBe('');
    await waitFor(() => served.length === 0);
    expect(site.traffic.entries()).toEqual([]);
  });

  it('leaves the connection to the listener when nothing is to be forwarded', async () => {
    const { served, port } = await listener(undefined);
    expect(await talk(port, ADDRESS, 'hello')).toBe('not taken\r\n');
    expect(served).toHaveLength(1);
  });
});
