import { IcpClient, IcpOpcode, IcpSocket, opcodeName } from '@lvs7/icp';
import { type HttpOrigin, type SquidInstance, startHttpOrigin, startSquid, waitFor } from '@lvs7/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheable, getViaProxy, objectUrl } from './helpers.js';

describe('lvs7 ICP client against a real Squid', () => {
  let squid: SquidInstance;
  let origin: HttpOrigin;
  let socket: IcpSocket;
  let client: IcpClient;

  beforeAll(async () => {
    origin = await startHttpOrigin({ name: 'origin', handler: cacheable('object body\n') });
    squid = await startSquid();
    // 127.0.0.1: Squid only ignores queries from its own outgoing address (127.0.0.2).
    socket = await IcpSocket.bind({ host: '127.0.0.1' });
    client = new IcpClient({ socket, timeout: 2000 });
  });

  afterAll(async () => {
    client?.close();
    await socket?.close();
    await squid?.stop();
    await origin?.stop();
  });

  it('gets MISS for an object Squid does not have, then HIT once Squid cached it', async () => {
    const url = objectUrl(origin, '/cacheable.txt');
    const squidPeer = { name: 'squid', host: '127.0.0.1', port: squid.icpPort, type: 'parent' } as const;

    const miss = await client.query(url, [squidPeer]);
    expect(miss.replies.map((r) => opcodeName(r.opcode))).toEqual(['MISS']);
    expect(miss.chosen).toMatchObject({ code: 'FIRST_PARENT_MISS', peer: { name: 'squid' } });
    expect(miss.timedOut).toBe(false);

    const fetched = await getViaProxy(squid.httpPort, url);
    expect(fetched).toMatchObject({ status: 200, body: 'object body\n' });
    expect(origin.hits.get('/cacheable.txt')).toBe(1);

    const hit = await waitFor(
      async () => {
        const result = await client.query(url, [squidPeer]);
        return result.replies[0]?.opcode === IcpOpcode.HIT ? result : undefined;
      },
      { message: 'Squid to answer HIT' },
    );
    expect(hit.chosen).toMatchObject({ code: 'PARENT_HIT', peer: { name: 'squid' } });
    expect(hit.requestNumber).not.toBe(miss.requestNumber);

    // Squid logged our queries (log_icp_queries on) from 127.0.0.1.
    const log = await waitFor(
      async () => {
        const text = await squid.accessLog();
        return text.includes(`UDP_HIT/000`) ? text : undefined;
      },
      { message: 'UDP_HIT in access.log' },
    );
    expect(log).toMatch(new RegExp(`127\\.0\\.0\\.1 UDP_MISS/000 \\d+ ICP_QUERY ${url}`));
    expect(log).toMatch(new RegExp(`127\\.0\\.0\\.1 UDP_HIT/000 \\d+ ICP_QUERY ${url}`));
    expect(socket.counters.malformed).toBe(0);
  });

  it('the icp health check passes against Squid', async () => {
    const { createHealthProbe } = await import('@lvs7/core');
    const probe = createHealthProbe('icp', { port: squid.icpPort });
    const message = await probe.check(
      { host: '127.0.0.1', port: squid.httpPort, name: 'squid' },
      AbortSignal.timeout(2000),
    );
    expect(message).toMatch(/^ICP MISS in \d+ ms$/);
  });
});
