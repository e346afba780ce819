import type { Instance } from '@lvs7/cli';
import { type HttpOrigin, startHttpOrigin } from '@lvs7/testkit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { adminUrl, api, startInstance } from './helpers.js';

interface PoolsBody {
  pools: {
    name: string;
    scheduler: string;
    servers: {
      name: string;
      address: string;
      weight: number;
      state: string;
      healthy: boolean;
      active: number;
      total: number;
    }[];
  }[];
}

describe('admin API', () => {
  let instance: Instance;
  let base: string;
  let origins: HttpOrigin[];

  beforeEach(async () => {
    origins = [await startHttpOrigin({ name: 'web1' }), await startHttpOrigin({ name: 'web2' })];
    instance = await startInstance(`
admin: { listen: 127.0.0.1:0 }
pools:
  web:
    scheduler: wlc
    servers:
      - { name: web1, address: ${origins[0]!.address}, weight: 1 }
      - { name: web2, address: ${origins[1]!.address}, weight: 2 }
`);
    base = adminUrl(instance);
  });

  afterEach(async () => {
    await instance.stop();
    await Promise.all(origins.map((o) => o.stop()));
  });

  it('GET /api/pools lists pools and servers in the documented shape', async () => {
    const { status, body } = await api<PoolsBody>(base, 'GET', '/api/pools');
    expect(status).toBe(200);
    expect(body.pools).toHaveLength(1);
    expect(body.pools[0]).toMatchObject({ name: 'web', scheduler: 'wlc' });
    expect(body.pools[0]!.servers[1]).toMatchObject({
      name: 'web2',
      address: origins[1]!.address,
      weight: 2,
      state: 'ready',
      healthy: true,
      active: 0,
      total: 0,
    });
  });

  it('adds a server at runtime, and the scheduler uses it', async () => {
    const web3 = await startHttpOrigin({ name: 'web3' });
    origins.push(web3);
    const added = await api(base, 'POST', '/api/pools/web/servers', {
      name: 'web3',
      address: web3.address,
      weight: 3,
    });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ name: 'web3', weight: 3, state: 'ready' });
    const pool = instance.pools().get('web')!;
    const picks = new Map<string, number>();
    for (let i = 0; i < 60; i++) {
      const server = pool.pick({})!;
      pool.sessionStarted(server);
      picks.set(server.name, (picks.get(server.name) ?? 0) + 1);
    }
    // wlc with weights 1:2:3 and every session still active: exactly 10/20/30.
    expect(Object.fromEntries(picks)).toEqual({ web1: 10, web2: 20, web3: 30 });
    const conflict = await api(base, 'POST', '/api/pools/web/servers', {
      name: 'web3',
      address: web3.address,
    });
    expect(conflict.status).toBe(409);
  });

  it('PATCH changes weight and state; drained and maintained servers get no new sessions', async () => {
    const patched = await api(base, 'PATCH', '/api/pools/web/servers/web2', { weight: 5, state: 'drain' });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: 'web2', weight: 5, state: 'drain' });
    const pool = instance.pools().get('web')!;
    for (let i = 0; i < 10; i++) expect(pool.pick({})?.name).toBe('web1');
    await api(base, 'PATCH', '/api/pools/web/servers/web1', { state: 'maint' });
    expect(pool.pick({})).toBeUndefined();
    await api(base, 'PATCH', '/api/pools/web/servers/web2', { state: 'ready' });
    expect(pool.pick({})?.name).toBe('web2');
  });

  it('DELETE drains first: removed only when its last session ends', async () => {
    const pool = instance.pools().get('web')!;
    const web1 = pool.get('web1')!;
    pool.sessionStarted(web1);
    const draining = await api<{ removed: boolean; state: string }>(
      base,
      'DELETE',
      '/api/pools/web/servers/web1',
    );
    expect(draining.status).toBe(202);
    expect(draining.body).toMatchObject({ removed: false, state: 'drain' });
    expect(pool.get('web1')).toBeDefined();
    expect(pool.pick({})?.name).toBe('web2');
    pool.sessionEnded(web1);
    expect(pool.get('web1')).toBeUndefined();
    const gone = await api(base, 'DELETE', '/api/pools/web/servers/web2');
    expect(gone.status).toBe(200);
    expect(pool.servers()).toHaveLength(0);
  });

  it('bad input gets a 4xx with a JSON error, never a crash', async () => {
    const cases: [string, string, unknown, number][] = [
      ['PATCH', '/api/pools/web/servers/web1', { weight: 999 }, 400],
      ['PATCH', '/api/pools/web/servers/web1', { weight: 1.5 }, 400],
      ['PATCH', '/api/pools/web/servers/web1', { state: 'sleeping' }, 400],
      ['PATCH', '/api/pools/web/servers/web1', { colour: 'red' }, 400],
      ['PATCH', '/api/pools/web/servers/web1', {}, 400],
      ['PATCH', '/api/pools/web/servers/web1', '{not json', 400],
      ['PATCH', '/api/pools/web/servers/web1', '[1,2]', 400],
      ['PATCH', '/api/pools/web/servers/nope', { weight: 1 }, 404],
      ['PATCH', '/api/pools/nope/servers/web1', { weight: 1 }, 404],
      ['POST', '/api/pools/web/servers', { name: 'x', address: 'no-port' }, 400],
      ['POST', '/api/pools/web/servers', { address: '127.0.0.1:1' }, 400],
      ['GET', '/api/nothing', undefined, 404],
      ['PUT', '/api/pools', undefined, 405],
    ];
    for (const [method, path, body, expected] of cases) {
      const res = await api<{ error: { code: string; message: string } }>(base, method, path, body);
      expect([method, path, res.status]).toEqual([method, path, expected]);
      expect(res.body.error.message).toBeTypeOf('string');
    }
    const noType = await fetch(`${base}/api/pools/web/servers/web1`, {
      method: 'PATCH',
      body: '{"weight":1}',
    });
    expect(noType.status).toBe(400);
    const big = await fetch(`${base}/api/pools/web/servers/web1`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: `{"weight":1,"x":"${'a'.repeat(100_000)}"}`,
    });
    expect(big.status).toBe(413);
    expect((await api(base, 'GET', '/api/pools')).status).toBe(200);
  });

  it('serves Prometheus metrics', async () => {
    instance.pools().get('web')!.sessionStarted(instance.pools().get('web')!.get('web1')!);
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await res.text();
    expect(text).toContain('lvs7_server_up{pool="web",server="web1"} 1');
    expect(text).toContain('lvs7_server_active_sessions{pool="web",server="web1"} 1');
    expect(text).toContain('lvs7_server_sessions_total{pool="web",server="web1"} 1');
    expect(text).toContain('lvs7_pool_eligible_servers{pool="web"} 2');
  });
});

describe('admin token', () => {
  it('changes need the token; reads do not', async () => {
    const instance = await startInstance(`
admin: { listen: 127.0.0.1:0, token: s3cret }
pools:
  web:
    servers: [ { name: web1, address: 127.0.0.1:9 } ]
`);
    try {
      const base = adminUrl(instance);
      expect((await api(base, 'GET', '/api/pools')).status).toBe(200);
      expect((await api(base, 'PATCH', '/api/pools/web/servers/web1', { weight: 2 })).status).toBe(401);
      const wrong = { authorization: 'Bearer nope' };
      expect((await api(base, 'PATCH', '/api/pools/web/servers/web1', { weight: 2 }, wrong)).status).toBe(
        401,
      );
      const right = { authorization: 'Bearer s3cret' };
      expect((await api(base, 'PATCH', '/api/pools/web/servers/web1', { weight: 2 }, right)).status).toBe(
        200,
      );
    } finally {
      await instance.stop();
    }
  });
});

describe('status page', () => {
  it('serves the page, a JSON snapshot and a live event stream; refuses cross-site changes', async () => {
    const instance = await startInstance(`
admin: { listen: 127.0.0.1:0 }
pools:
  web:
    servers: [ { name: web1, address: 127.0.0.1:9 } ]
`);
    try {
      const base = adminUrl(instance);
      const page = await fetch(`${base}/`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
      expect(await page.text()).toContain('EventSource');
      const snapshot = await api<{ pools: { name: string }[]; health: { ready: boolean } }>(
        base,
        'GET',
        '/api/status',
      );
      expect(snapshot.body.pools[0]!.name).toBe('web');
      expect(snapshot.body.health.ready).toBe(true);

      const controller = new AbortController();
      const events = await fetch(`${base}/api/events`, { signal: controller.signal });
      expect(events.headers.get('content-type')).toBe('text/event-stream');
      const reader = events.body!.getReader();
      const first = new TextDecoder().decode((await reader.read()).value);
      expect(first).toMatch(/^event: status\ndata: \{/);
      controller.abort();

      const crossSite = await api(
        base,
        'PATCH',
        '/api/pools/web/servers/web1',
        { state: 'drain' },
        { origin: 'http://evil.example' },
      );
      expect(crossSite.status).toBe(403);
      const sameSite = await api(
        base,
        'PATCH',
        '/api/pools/web/servers/web1',
        { state: 'drain' },
        { origin: base },
      );
      expect(sameSite.status).toBe(200);
    } finally {
      await instance.stop();
    }
  });

  it('refuses to listen on a non-loopback address without a token', async () => {
    await expect(
      startInstance(`
admin: { listen: 0.0.0.0:0 }
pools: {}
`),
    ).rejects.toThrow(/admin.token/);
  });
});
