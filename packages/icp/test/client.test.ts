import diagnosticsChannel from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import {
  encodeMessage,
  IcpClient,
  type IcpClientOptions,
  IcpOpcode,
  type IcpPeerEvent,
  IcpSocket,
} from '../src/index.js';
import { FakePeer, type FakePeerOptions, rawSocket } from './helpers.js';

const URL = 'http://origin.example/object';

describe('IcpClient against fake peers on 127.0.0.1', () => {
  const cleanup: (() => unknown)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  async function setup(peerOptions: Partial<IcpClientOptions> = {}) {
    const socket = await IcpSocket.bind({ host: '127.0.0.1' });
    const client = new IcpClient({ socket, ...peerOptions });
    cleanup.push(
      () => socket.close(),
      () => client.close(),
    );
    return { socket, client };
  }
  async function fake(options: FakePeerOptions = {}) {
    const peer = await FakePeer.start(options);
    cleanup.push(() => peer.close());
    return peer;
  }

  it('resolves on the first HIT without waiting for slower peers', async () => {
    const { client } = await setup();
    const slow = await fake({ opcode: IcpOpcode.MISS, delayMs: 1000 });
    const hit = await fake({ opcode: IcpOpcode.HIT, delayMs: 5 });
    const started = performance.now();
    const result = await client.query(URL, [slow.peer('parent'), hit.peer('sibling', 'sib')], {
      timeout: 2000,
    });
    expect(performance.now() - started).toBeLessThan(800);
    expect(result.chosen).toMatchObject({ code: 'SIBLING_HIT', peer: { name: 'sib' } });
    expect(result.timedOut).toBe(false);
    expect(result.unanswered.map((p) => p.port)).toEqual([slow.port]);
    expect(slow.queries[0]!.message).toMatchObject({ opcode: IcpOpcode.QUERY, url: URL });
    expect(slow.queries[0]!.message.requestNumber).toBe(result.requestNumber);
  });

  it('when every peer says MISS, resolves at once with parents ranked by ICP round trip / weight', async () => {
    const { client } = await setup();
    const far = await fake({ opcode: IcpOpcode.MISS, delayMs: 60 });
    const near = await fake({ opcode: IcpOpcode.MISS, delayMs: 1 });
    const heavy = await fake({ opcode: IcpOpcode.MISS, delayMs: 100 });
    const sibling = await fake({ opcode: IcpOpcode.MISS });
    const peers = [
      far.peer('parent', 'far'),
      near.peer('parent', 'near'),
      heavy.peer('parent', 'heavy', 1000),
    ];
    const result = await client.query(URL, [...peers, sibling.peer('sibling')], { timeout: 5000 });
    expect(result.timedOut).toBe(false);
    expect(result.replies).toHaveLength(4);
    // heavy: ~100 ms / 1000 beats near's ≥ 1 ms / 1.
    expect(result.parentMisses.map((r) => r.peer.name)).toEqual(['heavy', 'near', 'far']);
    expect(result.chosen).toMatchObject({ code: 'FIRST_PARENT_MISS', peer: { name: 'heavy' } });
  });

  it('with SRC_RTT, parents that report the origin closest win (CLOSEST_PARENT_MISS)', async () => {
    const { client } = await setup();
    const a = await fake({ opcode: IcpOpcode.MISS, sourceRttMs: 80 });
    const b = await fake({ opcode: IcpOpcode.MISS, sourceRttMs: 20, delayMs: 30 });
    const c = await fake({ opcode: IcpOpcode.MISS });
    const result = await client.query(
      URL,
      [a.peer('parent', 'a'), b.peer('parent', 'b'), c.peer('parent', 'c')],
      {
        sourceRtt: true,
      },
    );
    expect(a.queries[0]!.message.options).toBe(0x4000_0000);
    expect(result.parentMisses.map((r) => [r.peer.name, r.sourceRttMs])).toEqual([
      ['b', 20],
      ['a', 80],
      ['c', undefined],
    ]);
    expect(result.chosen?.code).toBe('CLOSEST_PARENT_MISS');
  });

  it('ignores a reply RTT the query did not ask for', async () => {
    const { client } = await setup();
    const p = await fake({ opcode: IcpOpcode.MISS });
    const raw = await rawSocket();
    cleanup.push(() => raw.close());
    // This fake always sets SRC_RTT, asked or not.
    p.socket.removeAllListeners('message');
    p.socket.on('message', (bytes, from) => {
      const requestNumber = bytes.readUInt32BE(4);
      const url = bytes.toString('utf8', 24, bytes.length - 1);
      const reply = {
        opcode: IcpOpcode.MISS,
        requestNumber,
        options: 0x4000_0000,
        optionData: 5,
        senderAddress: 0,
        url,
      };
      p.socket.send(encodeMessage(reply), from.port, from.address);
    });
    const result = await client.query(URL, [p.peer('parent')]);
    expect(result.replies[0]!.sourceRttMs).toBeUndefined();
    expect(result.chosen?.code).toBe('FIRST_PARENT_MISS');
  });

  it('times out with what it has; MISS_NOFETCH and sibling MISS are never chosen', async () => {
    const { client } = await setup();
    const silent = await fake({});
    const nofetch = await fake({ opcode: IcpOpcode.MISS_NOFETCH });
    const sibling = await fake({ opcode: IcpOpcode.MISS });
    const result = await client.query(
      URL,
      [silent.peer('parent'), nofetch.peer('parent'), sibling.peer('sibling')],
      { timeout: 300 },
    );
    expect(result.timedOut).toBe(true);
    expect(result.replies.map((r) => r.opcode).sort((a, b) => a - b)).toEqual([
      IcpOpcode.MISS,
      IcpOpcode.MISS_NOFETCH,
    ]);
    expect(result.chosen).toBeUndefined();
    expect(result.unanswered.map((p) => p.port)).toEqual([silent.port]);
    expect(client.counters.timeouts).toBe(1);
  });

  it('ignores spoofed replies: unknown source port, wrong request number, wrong URL', async () => {
    const { client, socket } = await setup();
    const peer = await fake({ opcode: IcpOpcode.MISS, delayMs: 150 });
    const attacker = await rawSocket();
    cleanup.push(() => attacker.close());
    const forged = (requestNumber: number, url: string) =>
      encodeMessage({
        opcode: IcpOpcode.HIT,
        requestNumber,
        options: 0,
        optionData: 0,
        senderAddress: 0,
        url,
      });
    const seen = peer.nextQuery();
    const pending = client.query(URL, [peer.peer('parent')], { timeout: 2000 });
    const query = await seen;
    const to = socket.address.port;
    attacker.send(forged(query.requestNumber, URL), to, '127.0.0.1'); // right number, wrong source
    peer.socket.send(forged(query.requestNumber + 1, URL), to, '127.0.0.1'); // right source, wrong number
    peer.socket.send(forged(query.requestNumber, `${URL}?other`), to, '127.0.0.1'); // wrong URL
    const result = await pending;
    expect(result.replies.map((r) => r.opcode)).toEqual([IcpOpcode.MISS]);
    expect(result.chosen?.code).toBe('FIRST_PARENT_MISS');
    expect(client.counters).toMatchObject({ unknownSender: 1, unmatched: 2, hits: 0 });
  });

  it('marks a silent peer dead after N unanswered queries and leaves it out until a probe is due', async () => {
    const { client } = await setup({ deadAfter: 2, probeInterval: 60_000 });
    const live = await fake({ opcode: IcpOpcode.MISS });
    const flaky = await fake({});
    const peers = [live.peer('parent', 'live'), flaky.peer('parent', 'flaky')];
    const events: IcpPeerEvent[] = [];
    const onEvent = (event: unknown) => events.push(event as IcpPeerEvent);
    diagnosticsChannel.subscribe('lvs7:icp:peer', onEvent);
    cleanup.push(() => diagnosticsChannel.unsubscribe('lvs7:icp:peer', onEvent));

    expect((await client.query(URL, peers, { timeout: 150 })).timedOut).toBe(true);
    expect(client.peers().find((p) => p.peer.name === 'flaky')).toMatchObject({ alive: true, unanswered: 1 });
    await client.query(URL, peers, { timeout: 150 });
    expect(events).toMatchObject([{ alive: false, unanswered: 2, peer: { name: 'flaky' } }]);

    // Dead and not due for a probe: left out, and the query no longer waits for it.
    const skipped = await client.query(URL, peers, { timeout: 5000 });
    expect(skipped).toMatchObject({ timedOut: false, skipped: [{ name: 'flaky' }], probed: [] });
    expect(flaky.queries).toHaveLength(2);
  });

  it('a dead peer due for a probe gets the query (not waited for) and comes back when it answers', async () => {
    const { client } = await setup({ deadAfter: 1, probeInterval: 0 });
    const live = await fake({ opcode: IcpOpcode.MISS });
    const flaky = await fake({});
    const peers = [live.peer('parent', 'live'), flaky.peer('parent', 'flaky')];
    await client.query(URL, peers, { timeout: 200 });
    expect(client.peers().find((p) => p.peer.name === 'flaky')?.alive).toBe(false);
    expect(client.peers().find((p) => p.peer.name === 'live')?.alive).toBe(true);

    // live answers late this time, so the probed peer's HIT comes first.
    live.options = { opcode: IcpOpcode.MISS, delayMs: 500 };
    flaky.options = { opcode: IcpOpcode.HIT };
    const revived = new Promise<IcpPeerEvent>((resolve) => {
      const onEvent = (event: unknown) => {
        diagnosticsChannel.unsubscribe('lvs7:icp:peer', onEvent);
        resolve(event as IcpPeerEvent);
      };
      diagnosticsChannel.subscribe('lvs7:icp:peer', onEvent);
    });
    const result = await client.query(URL, peers, { timeout: 2000 });
    expect(result.probed.map((p) => p.name)).toEqual(['flaky']);
    // A probed peer's reply still counts when it comes in time: its HIT wins.
    expect(result.chosen).toMatchObject({ code: 'PARENT_HIT', peer: { name: 'flaky' } });
    expect(await revived).toMatchObject({ alive: true, peer: { name: 'flaky' } });
  });

  it('with every peer dead and none due for a probe, resolves at once', async () => {
    const { client } = await setup({ deadAfter: 1, probeInterval: 60_000 });
    const silent = await fake({});
    await client.query(URL, [silent.peer('parent')], { timeout: 30 });
    const result = await client.query(URL, [silent.peer('parent')], { timeout: 5000 });
    expect(result).toMatchObject({ replies: [], timedOut: false, skipped: [{ port: silent.port }] });
  });

  it('rejects caller errors: a peer host that is not an IP, a URL with NUL', async () => {
    const { client } = await setup();
    await expect(
      client.query(URL, [{ host: 'cache.example', port: 3130, type: 'parent' }]),
    ).rejects.toMatchObject({
      code: 'LVS7_ERR_ICP_INVALID_OPTION',
    });
    const p = await fake({ opcode: IcpOpcode.MISS });
    await expect(client.query('a\0b', [p.peer('parent')])).rejects.toMatchObject({
      code: 'LVS7_ERR_ICP_ENCODE',
    });
  });

  it('counts duplicate replies once', async () => {
    const { client, socket } = await setup();
    const p = await fake({ opcode: IcpOpcode.MISS, delayMs: 20 });
    const seen = p.nextQuery();
    const other = await fake({ opcode: IcpOpcode.MISS, delayMs: 100 });
    const pending = client.query(URL, [p.peer('parent'), other.peer('parent')]);
    const q = await seen;
    const reply = encodeMessage({
      opcode: IcpOpcode.MISS,
      requestNumber: q.requestNumber,
      options: 0,
      optionData: 0,
      senderAddress: 0,
      url: q.url,
    });
    p.socket.send(reply, socket.address.port, '127.0.0.1');
    p.socket.send(reply, socket.address.port, '127.0.0.1');
    const result = await pending;
    expect(result.replies).toHaveLength(2);
    expect(client.counters.duplicates).toBeGreaterThanOrEqual(1);
  });
});
