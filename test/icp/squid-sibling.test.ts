import { IcpResponder, IcpSocket } from '@lvs7/icp';
import { type HttpOrigin, type SquidInstance, startHttpOrigin, startSquid, waitFor } from '@lvs7/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheable, getViaProxy, objectUrl } from './helpers.js';

/**
 * Squid with lvs7 as an ICP sibling. lvs7 has no HTTP cache node yet, so a
 * small node:http server on the sibling's HTTP port stands in for it and
 * serves what the responder says it has.
 */
describe('Squid querying an lvs7 ICP responder as cache_peer sibling', () => {
  let squid: SquidInstance;
  let origin: HttpOrigin;
  let siblingHttp: HttpOrigin;
  let socket: IcpSocket;
  let responder: IcpResponder;
  const asked: string[] = [];
  let hitUrl: string;

  beforeAll(async () => {
    origin = await startHttpOrigin({ name: 'origin', handler: cacheable('from origin\n') });
    siblingHttp = await startHttpOrigin({ name: 'lvs7-sibling', handler: cacheable('from lvs7 sibling\n') });
    hitUrl = objectUrl(origin, '/on-sibling.txt');
    socket = await IcpSocket.bind({ host: '127.0.0.1' });
    responder = new IcpResponder({
      socket,
      // Squid sends its queries from its udp_outgoing_address, 127.0.0.2.
      allow: ['127.0.0.0/8'],
      has: (url) => {
        asked.push(url);
        return url === hitUrl;
      },
    });
    squid = await startSquid({
      peers: [
        { host: '127.0.0.1', httpPort: siblingHttp.port, icpPort: socket.address.port, type: 'sibling' },
      ],
    });
  });

  afterAll(async () => {
    responder?.close();
    await socket?.close();
    await squid?.stop();
    await siblingHttp?.stop();
    await origin?.stop();
  });

  it('Squid fetches a URL the responder says HIT for from the sibling (SIBLING_HIT)', async () => {
    const response = await getViaProxy(squid.httpPort, hitUrl);
    expect(response).toMatchObject({ status: 200, body: 'from lvs7 sibling\n' });
    expect(asked).toContain(hitUrl);
    expect(siblingHttp.requests).toBe(1);
    expect(origin.hits.get('/on-sibling.txt')).toBeUndefined();
    const log = await waitFor(
      async () => {
        const text = await squid.accessLog();
        return text.includes('SIBLING_HIT') ? text : undefined;
      },
      { message: 'SIBLING_HIT in access.log' },
    );
    expect(log).toMatch(new RegExp(`TCP_MISS/200 \\d+ GET ${hitUrl} - SIBLING_HIT/127\\.0\\.0\\.1`));
  });

  it("on the responder's MISS, Squid goes to the origin itself", async () => {
    const url = objectUrl(origin, '/not-on-sibling.txt');
    const response = await getViaProxy(squid.httpPort, url);
    expect(response).toMatchObject({ status: 200, body: 'from origin\n' });
    expect(asked).toContain(url);
    expect(origin.hits.get('/not-on-sibling.txt')).toBe(1);
    const log = await waitFor(
      async () => {
        const text = await squid.accessLog();
        return text.includes('/not-on-sibling.txt') ? text : undefined;
      },
      { message: 'the miss in access.log' },
    );
    expect(log).toMatch(new RegExp(`TCP_MISS/200 \\d+ GET ${url} - HIER_DIRECT/127\\.0\\.0\\.1`));
    expect(responder.counters).toMatchObject({ hits: 1, misses: 1, denied: 0, malformed: 0 });
  });
});
