import { CacheNode } from '@lvs7/cache';
import { type SquidInstance, startSquid, waitFor } from '@lvs7/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AccessEvents,
  cacheable,
  curl,
  header,
  httpAddress,
  logger,
  nodeOptions,
  Origin,
} from './helpers.js';

/** Waits until Squid's access.log matches `pattern`; returns the log. */
function squidLogged(squid: SquidInstance, pattern: RegExp, what: string): Promise<string> {
  return waitFor(
    async () => {
      const log = await squid.accessLog();
      return pattern.test(log) ? log : undefined;
    },
    { timeoutMs: 10_000, message: what },
  );
}

const reEscape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

describe('Squid as the PARENT of an lvs7 cache node', () => {
  let origin: Origin;
  let squid: SquidInstance;
  let node: CacheNode;
  let events: AccessEvents;

  beforeAll(async () => {
    origin = await new Origin(cacheable('from the origin\n')).start();
    squid = await startSquid();
    events = new AccessEvents();
    node = new CacheNode({
      options: nodeOptions('lvs7a', {
        peers: [
          {
            name: 'squid',
            http: `127.0.0.1:${squid.httpPort}`,
            icp: `127.0.0.1:${squid.icpPort}`,
            type: 'parent',
          },
        ],
        icpTimeout: 2_000,
      }),
      logger,
    });
    await node.start();
  });

  afterAll(async () => {
    events?.close();
    await node?.close();
    await squid?.stop();
    await origin?.stop();
  });

  it('asks Squid over ICP, gets MISS, and fetches through it (FIRST_PARENT_MISS)', async () => {
    const url = origin.url('/through-parent.txt');
    const reply = await curl(httpAddress(node), url);
    expect(reply).toMatchObject({ status: 200, body: 'from the origin\n' });
    // Squid's X-Cache line, then ours.
    expect(header(reply, 'x-cache')).toMatch(/MISS from lvs7-test-squid, MISS from lvs7a$/);
    expect(events.of('lvs7a', url)).toMatchObject([
      { code: 'TCP_MISS', hierarchy: 'FIRST_PARENT_MISS', upstream: 'squid' },
    ]);
    const log = await squidLogged(
      squid,
      new RegExp(`TCP_MISS/200 \\d+ GET ${reEscape(url)} `),
      'the fetch in access.log',
    );
    expect(log).toMatch(new RegExp(`127\\.0\\.0\\.1 UDP_MISS/000 \\d+ ICP_QUERY ${reEscape(url)}`));
    expect(log).toMatch(new RegExp(`TCP_MISS/200 \\d+ GET ${reEscape(url)} - HIER_DIRECT/127\\.0\\.0\\.1`));
    expect(origin.count('/through-parent.txt')).toBe(1);
  });

  it('an object Squid has is a PARENT_HIT: fetched from Squid, not from the origin', async () => {
    const url = origin.url('/on-squid.txt');
    // Someone else fetched it through Squid before.
    await curl(`127.0.0.1:${squid.httpPort}`, url);
    expect(origin.count('/on-squid.txt')).toBe(1);
    await waitFor(async () => (await squid.accessLog()).includes(url), { message: 'Squid to log the fill' });
    const reply = await curl(httpAddress(node), url);
    expect(reply).toMatchObject({ status: 200, body: 'from the origin\n' });
    expect(header(reply, 'x-cache')).toMatch(/HIT from lvs7-test-squid, MISS from lvs7a$/);
    expect(events.of('lvs7a', url)).toMatchObject([{ hierarchy: 'PARENT_HIT', upstream: 'squid' }]);
    await squidLogged(squid, new RegExp(`UDP_HIT/000 \\d+ ICP_QUERY ${reEscape(url)}`), 'the ICP HIT');
    expect(origin.count('/on-squid.txt')).toBe(1);
    // And now lvs7 has it too.
    expect(header(await curl(httpAddress(node), url), 'x-cache')).toBe('HIT from lvs7a');
  });
});

describe('lvs7 as a `cache_peer … sibling` of Squid', () => {
  let origin: Origin;
  let squid: SquidInstance;
  let node: CacheNode;
  let events: AccessEvents;

  beforeAll(async () => {
    origin = await new Origin(cacheable('from the origin\n')).start();
    events = new AccessEvents();
    // Squid queries from 127.0.0.2 (its udp_outgoing_address): allow loopback.
    node = new CacheNode({ options: nodeOptions('lvs7s', { icpAccess: ['127.0.0.0/8'] }), logger });
    await node.start();
    squid = await startSquid({
      peers: [
        {
          host: '127.0.0.1',
          httpPort: node.address()!.port,
          icpPort: node.icpAddress!.port,
          type: 'sibling',
        },
      ],
    });
  });

  afterAll(async () => {
    events?.close();
    await squid?.stop();
    await node?.close();
    await origin?.stop();
  });

  it("Squid fetches an object lvs7 has from lvs7's HTTP port (SIBLING_HIT)", async () => {
    const url = origin.url('/on-lvs7.txt');
    const fill = await curl(httpAddress(node), url);
    expect(header(fill, 'x-cache')).toBe('MISS from lvs7s');
    expect(origin.count('/on-lvs7.txt')).toBe(1);

    const reply = await curl(`127.0.0.1:${squid.httpPort}`, url);
    expect(reply).toMatchObject({ status: 200, body: 'from the origin\n' });
    expect(header(reply, 'x-cache')).toMatch(/^HIT from lvs7s, MISS from lvs7-test-squid$/);
    const log = await squidLogged(squid, /SIBLING_HIT/, 'SIBLING_HIT in access.log');
    expect(log).toMatch(new RegExp(`TCP_MISS/200 \\d+ GET ${reEscape(url)} - SIBLING_HIT/127\\.0\\.0\\.1`));
    expect(origin.count('/on-lvs7.txt')).toBe(1);
    // Squid asked with only-if-cached semantics and lvs7 answered from its store.
    expect(events.of('lvs7s', url).at(-1)).toMatchObject({ code: 'TCP_MEM_HIT', client: '127.0.0.1' });
    expect(node.stats().icp).toMatchObject({ hits: 1, denied: 0 });
  });

  it("on lvs7's MISS Squid goes to the origin itself; lvs7 never fetches for it", async () => {
    const url = origin.url('/not-on-lvs7.txt');
    const reply = await curl(`127.0.0.1:${squid.httpPort}`, url);
    expect(reply).toMatchObject({ status: 200, body: 'from the origin\n' });
    await squidLogged(
      squid,
      new RegExp(`TCP_MISS/200 \\d+ GET ${reEscape(url)} - HIER_DIRECT/127\\.0\\.0\\.1`),
      'the direct fetch',
    );
    expect(origin.count('/not-on-lvs7.txt')).toBe(1);
    expect(events.of('lvs7s', url)).toEqual([]);
    expect(node.stats().icp.misses).toBeGreaterThanOrEqual(1);
  });

  it('a sibling asking with only-if-cached for an object lvs7 lacks gets 504', async () => {
    const url = origin.url('/absent.txt');
    const reply = await curl(httpAddress(node), url, ['-H', 'Cache-Control: only-if-cached']);
    expect(reply.status).toBe(504);
    expect(origin.count('/absent.txt')).toBe(0);
  });
});
