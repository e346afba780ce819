import { once } from 'node:events';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  cidrMatcher,
  encodeLocalProxyHeader,
  encodeProxyHeader,
  ProxyAcceptor,
  ProxyHeaderError,
  readProxyHeader,
} from '../../src/proxy-protocol/index.js';
import { waitFor } from '../health/helpers.js';

/** A TCP server on 127.0.0.1 that hands each accepted socket to `onSocket`. */
async function server(onSocket: (socket: net.Socket) => void): Promise<{ port: number; close(): void }> {
  const srv = net.createServer(onSocket);
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  return { port: (srv.address() as net.AddressInfo).port, close: () => srv.close() };
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** Accepts one connection, reads its header with `read`, and resolves with the outcome. */
async function acceptOne<T>(
  read: (socket: net.Socket) => Promise<T>,
  client: (port: number) => net.Socket,
): Promise<{ outcome: T | Error; socket: net.Socket; peer: net.Socket }> {
  let resolveSocket!: (s: net.Socket) => void;
  const accepted = new Promise<net.Socket>((r) => {
    resolveSocket = r;
  });
  const srv = await server((s) => resolveSocket(s));
  cleanups.push(srv.close);
  const peer = client(srv.port);
  peer.on('error', () => {});
  cleanups.push(() => peer.destroy());
  const socket = await accepted;
  const outcome = await read(socket).catch((e: Error) => e);
  return { outcome, socket, peer };
}

const plain = (port: number) => net.connect(port, '127.0.0.1');
const from = (address: string) => (port: number) =>
  net.connect({ port, host: '127.0.0.1', localAddress: address });

describe('readProxyHeader', () => {
  it('reads a header split over several TCP writes and keeps the bytes after it', async () => {
    const header = encodeProxyHeader(
      'v2',
      { address: '203.0.113.9', port: 4000 },
      { address: '127.0.0.1', port: 25 },
    );
    const { outcome, socket } = await acceptOne(
      (s) => readProxyHeader(s, { timeoutMs: 5000 }),
      (port) => {
        const c = plain(port);
        c.once('connect', async () => {
          for (const piece of [header.subarray(0, 3), header.subarray(3, 14), header.subarray(14)]) {
            c.write(piece);
            await new Promise((r) => setTimeout(r, 20));
          }
          c.write('EHLO x\r\n');
        });
        return c;
      },
    );
    if (outcome instanceof Error) throw outcome;
    expect(outcome.header.source).toEqual({ address: '203.0.113.9', port: 4000 });
    // The rest may come with the last piece or later: what is left unread stays in the socket.
    const more: Buffer[] = [outcome.rest];
    socket.on('data', (c: Buffer) => more.push(c));
    socket.resume();
    await waitFor(() => Buffer.concat(more).toString() === 'EHLO x\r\n', 5000, 'the bytes after the header');
  });

  it('times out on a client that sends nothing, or only part of a header', async () => {
    for (const bytes of ['', 'PROXY TCP4 1.2.']) {
      const started = performance.now();
      const { outcome } = await acceptOne(
        (s) => readProxyHeader(s, { timeoutMs: 150 }),
        (port) => {
          const c = plain(port);
          if (bytes) c.write(bytes);
          return c;
        },
      );
      expect(outcome).toBeInstanceOf(ProxyHeaderError);
      expect((outcome as ProxyHeaderError).code).toBe('LVS7_ERR_PROXY_HEADER_TIMEOUT');
      expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    }
  });

  it('refuses an oversize v2 header and garbage at once, and notices a close', async () => {
    const big = Buffer.from(encodeLocalProxyHeader('v2'));
    big.writeUInt16BE(5000, 14);
    const cases: [Buffer | string | null, string][] = [
      [big, 'LVS7_ERR_PROXY_HEADER_TOO_LONG'],
      ['GET / HTTP/1.1\r\n\r\n', 'LVS7_ERR_PROXY_HEADER_INVALID'],
      [null, 'LVS7_ERR_PROXY_HEADER_CLOSED'],
    ];
    for (const [bytes, code] of cases) {
      const { outcome } = await acceptOne(
        (s) => readProxyHeader(s, { timeoutMs: 10_000 }),
        (port) => {
          const c = plain(port);
          if (bytes === null) c.end();
          else c.write(bytes);
          return c;
        },
      );
      expect((outcome as ProxyHeaderError).code, String(bytes)).toBe(code);
    }
  });
});

describe('ProxyAcceptor', () => {
  it('takes the client and destination from the header, the peer for LOCAL', async () => {
    const acceptor = new ProxyAcceptor({ timeoutMs: 5000 });
    const { outcome } = await acceptOne(
      (s) => acceptor.accept(s),
      (port) => plain(port).end('PROXY TCP6 2001:db8::5 2001:db8::1 40000 443\r\n'),
    );
    if (outcome instanceof Error) throw outcome;
    expect(outcome.client).toEqual({ address: '2001:db8::5', port: 40000 });
    expect(outcome.local).toEqual({ address: '2001:db8::1', port: 443 });

    const local = await acceptOne(
      (s) => acceptor.accept(s),
      (port) => plain(port).end(encodeLocalProxyHeader('v2')),
    );
    if (local.outcome instanceof Error) throw local.outcome;
    expect(local.outcome.client.address).toBe('127.0.0.1');
    expect(local.outcome.client.port).toBe(local.peer.localPort);
  });

  it('with `from`: requires the header from those peers only, and destroys the socket on failure', async () => {
    const acceptor = new ProxyAcceptor({ from: ['127.0.0.5/32', '10.0.0.0/8'], timeoutMs: 5000 });
    expect(acceptor.expects('127.0.0.5')).toBe(true);
    expect(acceptor.expects('::ffff:127.0.0.5')).toBe(true);
    expect(acceptor.expects('127.0.0.1')).toBe(false);

    const direct = await acceptOne(
      (s) => acceptor.accept(s),
      (port) => plain(port).end('PROXY TCP4 203.0.113.1 127.0.0.1 1 2\r\n'),
    );
    if (direct.outcome instanceof Error) throw direct.outcome;
    // A direct client's header is not read, let alone believed.
    expect(direct.outcome.header).toBeUndefined();
    expect(direct.outcome.client.address).toBe('127.0.0.1');

    const balancer = await acceptOne(
      (s) => acceptor.accept(s),
      (port) => from('127.0.0.5')(port).end('PROXY TCP4 203.0.113.1 127.0.0.1 1 2\r\n'),
    );
    if (balancer.outcome instanceof Error) throw balancer.outcome;
    expect(balancer.outcome.client.address).toBe('203.0.113.1');

    const bad = await acceptOne(
      (s) => acceptor.accept(s),
      (port) => from('127.0.0.5')(port).end('EHLO x\r\n'),
    );
    expect(bad.outcome).toBeInstanceOf(ProxyHeaderError);
    expect(bad.socket.destroyed).toBe(true);
  });

  it('rejects invalid CIDRs', () => {
    expect(() => new ProxyAcceptor({ from: ['10.0.0.0/33'] })).toThrow(/acceptProxyFrom/);
    expect(() => cidrMatcher(['not-an-ip'])).toThrow(/invalid address/);
    expect(cidrMatcher(['2001:db8::/32'])('2001:db8:1::1')).toBe(true);
  });
});
