import { afterEach, describe, expect, it } from 'vitest';
import {
  decodeMessage,
  encodeMessage,
  ICP_FLAG_SRC_RTT,
  IcpAccessList,
  IcpClient,
  type IcpMessage,
  IcpOpcode,
  IcpResponder,
  type IcpResponderOptions,
  IcpSocket,
} from '../src/index.js';
import { exchange, rawSocket } from './helpers.js';

const CACHED = 'http://origin.example/cached';
const query = (url: string, extra: Partial<IcpMessage> = {}) =>
  encodeMessage({
    opcode: IcpOpcode.QUERY,
    requestNumber: 42,
    options: 0,
    optionData: 0,
    senderAddress: 0,
    url,
    ...extra,
  });

describe('IcpResponder', () => {
  const cleanup: (() => unknown)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  async function responder(options: Partial<IcpResponderOptions> = {}) {
    const socket = await IcpSocket.bind({ host: '127.0.0.1' });
    const r = new IcpResponder({ socket, allow: ['127.0.0.0/8'], has: (url) => url === CACHED, ...options });
    const raw = await rawSocket();
    cleanup.push(
      () => socket.close(),
      () => raw.close(),
    );
    const ask = async (bytes: Buffer, timeoutMs = 500) => {
      const reply = await exchange(raw, bytes, socket.address.port, timeoutMs);
      if (!reply) return undefined;
      const result = decodeMessage(reply);
      if (!result.ok) throw new Error(`malformed reply: ${result.reason}`);
      return result.message;
    };
    return { socket, responder: r, ask };
  }

  it('answers HIT for what has() holds and MISS otherwise, echoing request number and URL', async () => {
    const { ask, responder: r } = await responder();
    expect(await ask(query(CACHED))).toEqual({
      opcode: IcpOpcode.HIT,
      requestNumber: 42,
      options: 0,
      optionData: 0,
      senderAddress: 0,
      url: CACHED,
    });
    expect(await ask(query('http://origin.example/other', { requestNumber: 43 }))).toMatchObject({
      opcode: IcpOpcode.MISS,
      requestNumber: 43,
      url: 'http://origin.example/other',
    });
    expect(r.counters).toMatchObject({ queries: 2, hits: 1, misses: 1, denied: 0 });
  });

  it('answers DENIED to sources outside the access list (has() not consulted)', async () => {
    let asked = 0;
    const { ask, responder: r } = await responder({
      allow: ['10.0.0.0/8', '::1'],
      has: () => {
        asked++;
        return true;
      },
    });
    expect((await ask(query(CACHED)))?.opcode).toBe(IcpOpcode.DENIED);
    expect(asked).toBe(0);
    expect(r.counters.denied).toBe(1);
  });

  it('hit-only mode (starting or overloaded): misses become MISS_NOFETCH, hits stay HIT', async () => {
    const { ask, responder: r } = await responder({ mode: 'hit-only' });
    expect((await ask(query('http://origin.example/other')))?.opcode).toBe(IcpOpcode.MISS_NOFETCH);
    expect((await ask(query(CACHED)))?.opcode).toBe(IcpOpcode.HIT);
    r.setMode('normal');
    expect((await ask(query('http://origin.example/other')))?.opcode).toBe(IcpOpcode.MISS);
    expect(r.counters).toMatchObject({ missNoFetch: 1, hits: 1, misses: 1 });
    expect(() => r.setMode('busy' as never)).toThrow(/hit-only/);
  });

  it('SRC_RTT: reports the RTT only to queries that ask, and only when it is known', async () => {
    const { ask } = await responder({ sourceRtt: (url) => (url === CACHED ? 37 : undefined) });
    expect(await ask(query(CACHED, { options: ICP_FLAG_SRC_RTT }))).toMatchObject({
      options: ICP_FLAG_SRC_RTT,
      optionData: 37,
    });
    expect(await ask(query(CACHED))).toMatchObject({ options: 0, optionData: 0 });
    expect(await ask(query('http://unknown/', { options: ICP_FLAG_SRC_RTT }))).toMatchObject({ options: 0 });
  });

  it('answers ERR for unusable URLs and when has() fails; awaits an async has()', async () => {
    const { ask, responder: r } = await responder({
      has: async (url) => {
        if (url.includes('boom')) throw new Error('store down');
        return url === CACHED;
      },
    });
    expect((await ask(query('')))?.opcode).toBe(IcpOpcode.ERR);
    expect((await ask(query('http://a b/')))?.opcode).toBe(IcpOpcode.ERR);
    expect((await ask(query('http://boom/')))?.opcode).toBe(IcpOpcode.ERR);
    expect((await ask(query(CACHED)))?.opcode).toBe(IcpOpcode.HIT);
    expect(r.counters.errors).toBe(3);
  });

  it('drops malformed datagrams without answering, and counts them', async () => {
    const { ask, responder: r, socket } = await responder();
    const bad = query(CACHED);
    bad[1] = 3;
    expect(await ask(bad, 100)).toBeUndefined();
    expect(await ask(Buffer.from('hello'), 100)).toBeUndefined();
    expect(r.counters.malformed).toBe(2);
    expect(socket.counters.malformedBy).toMatchObject({ 'bad-version': 1, 'too-short': 1 });
    expect(r.counters.queries).toBe(0);
  });

  it('shares one socket with a client: two cache nodes query each other over their ICP ports', async () => {
    const a = await IcpSocket.bind({ host: '127.0.0.1' });
    const b = await IcpSocket.bind({ host: '127.0.0.1' });
    cleanup.push(
      () => a.close(),
      () => b.close(),
    );
    const has = (url: string) => url === CACHED;
    new IcpResponder({ socket: a, allow: ['127.0.0.1/32'], has });
    new IcpResponder({ socket: b, allow: ['127.0.0.1/32'], has: () => false });
    const clientA = new IcpClient({ socket: a });
    const clientB = new IcpClient({ socket: b });
    const peerA = { name: 'a', host: '127.0.0.1', port: a.address.port, type: 'sibling' } as const;
    const peerB = { name: 'b', host: '127.0.0.1', port: b.address.port, type: 'sibling' } as const;
    expect((await clientB.query(CACHED, [peerA])).chosen).toMatchObject({
      code: 'SIBLING_HIT',
      peer: { name: 'a' },
    });
    expect((await clientA.query(CACHED, [peerB])).replies[0]?.opcode).toBe(IcpOpcode.MISS);
    expect(() => new IcpResponder({ socket: a, allow: [], has })).toThrow(/already has a responder/);
    expect(() => new IcpClient({ socket: a })).toThrow(/already has a client/);
  });
});

describe('IcpAccessList', () => {
  it('matches CIDRs and single addresses, IPv4-mapped IPv6 as IPv4', () => {
    const acl = new IcpAccessList(['10.1.0.0/16', '192.168.0.7', 'fd00::/8']);
    expect(acl.allows('10.1.200.3')).toBe(true);
    expect(acl.allows('10.2.0.1')).toBe(false);
    expect(acl.allows('192.168.0.7')).toBe(true);
    expect(acl.allows('192.168.0.8')).toBe(false);
    expect(acl.allows('::ffff:10.1.0.1')).toBe(true);
    expect(acl.allows('fd12::1')).toBe(true);
    expect(acl.allows('not-an-ip')).toBe(false);
    expect(new IcpAccessList([]).allows('127.0.0.1')).toBe(false);
    expect(new IcpAccessList(['0.0.0.0/0']).allows('8.8.8.8')).toBe(true);
  });

  it('rejects entries that are not addresses or have a bad prefix', () => {
    for (const entry of ['10.0.0.0/33', 'example.com', '10.0.0.0/', '::/129', '1.2.3.4/x']) {
      expect(() => new IcpAccessList([entry])).toThrow(
        expect.objectContaining({ code: 'LVS7_ERR_ICP_INVALID_OPTION' }),
      );
    }
  });
});
