import type { Instance } from '@lvs7/cli';
import { type RedisInstance, startRedis, waitFor } from '@lvs7/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminUrl, api, startInstance } from './helpers.js';

const config = (redis: string) => `
admin: { listen: 127.0.0.1:0 }
state: { redis: ${redis}, cluster: t${process.pid} }
pools:
  web:
    scheduler: wlc
    servers:
      - { name: web1, address: 127.0.0.1:9001 }
      - { name: web2, address: 127.0.0.1:9002 }
`;

describe('instances sharing state through Redis', () => {
  let redis: RedisInstance;
  const instances: Instance[] = [];
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await Promise.all(instances.map((i) => i.stop()));
    await redis.stop();
  });

  it('an admin change on one instance reaches the others, and a new instance starts from it', async () => {
    const a = await startInstance(config(redis.url));
    const b = await startInstance(config(redis.url));
    instances.push(a, b);
    const changed = await api(adminUrl(a), 'PATCH', '/api/pools/web/servers/web2', {
      weight: 9,
      state: 'drain',
    });
    expect(changed.status).toBe(200);
    expect(
      (await api(adminUrl(a), 'POST', '/api/pools/web/servers', { name: 'web3', address: '127.0.0.1:9003' }))
        .status,
    ).toBe(201);
    const started = Date.now();
    await waitFor(
      () => b.pools().get('web')!.get('web3') && b.pools().get('web')!.get('web2')!.state === 'drain',
      {
        timeoutMs: 2_000,
        message: 'the change on instance b',
      },
    );
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(b.pools().get('web')!.get('web2')!.configuredWeight).toBe(9);

    const c = await startInstance(config(redis.url));
    instances.push(c);
    const web = c.pools().get('web')!;
    expect(web.get('web2')).toMatchObject({ configuredWeight: 9, state: 'drain' });
    expect(web.get('web3')?.address).toBe('127.0.0.1:9003');
    expect((await api<{ redis: string }>(adminUrl(c), 'GET', '/api/health')).body.redis).toBe('reachable');
  });
});
