import { Pool } from '@lvs7/core';
import { describe, expect, it } from 'vitest';
import { decideAnnounce } from '../src/announce-decision.js';
import { MAX_LOAD, measureSite } from '../src/site-load.js';

function pool(name: string, count: number, maxConnections = 100): Pool {
  const servers = Array.from({ length: count }, (_, i) => ({
    name: `${name}${i}`,
    address: `127.0.0.1:${10_000 + i}`,
    maxConnections,
  }));
  return new Pool(name, { scheduler: 'rr', servers });
}

describe('measureSite', () => {
  it('is active sessions over the eligible servers’ maxConnections', () => {
    const web = pool('web', 4);
    for (const server of web.servers().slice(0, 2)) server.active = 100;
    const m = measureSite([web]);
    expect(m).toMatchObject({ active: 200, capacity: 400, load: 0.5, healthyShare: 1 });
  });

  it('uses a configured capacity as given', () => {
    const web = pool('web', 4);
    web.servers()[0]!.active = 50;
    expect(measureSite([web], 100).load).toBe(0.5);
  });

  it('loses capacity with unhealthy servers, so load rises', () => {
    const web = pool('web', 4);
    for (const server of web.servers()) server.active = 50;
    web.setHealthy(web.servers()[0]!, false);
    web.setState(web.servers()[1]!.name, 'maint');
    const m = measureSite([web]);
    expect(m.capacity).toBe(200);
    expect(m.load).toBe(1);
    expect(m.healthyShare).toBe(0.5);
    expect(m.pools).toEqual([{ pool: 'web', servers: 4, eligible: 2, share: 0.5 }]);
  });

  it('takes the smallest share of all pools, and counts a shared server once', () => {
    const web = pool('web', 4);
    const mail = pool('mail', 2);
    mail.setHealthy(mail.servers()[0]!, false);
    mail.servers()[1]!.active = 10;
    const m = measureSite([web, mail, mail]);
    expect(m.healthyShare).toBe(0.5);
    expect(m.active).toBe(10);
    expect(m.capacity).toBe(500);
  });

  it('reports MAX_LOAD when limited servers exist but none is eligible, 0 when capacity is unknown', () => {
    const web = pool('web', 1);
    web.setHealthy(web.servers()[0]!, false);
    expect(measureSite([web]).load).toBe(MAX_LOAD);
    const unlimited = pool('u', 2, 0);
    unlimited.servers()[0]!.active = 7;
    expect(measureSite([unlimited])).toMatchObject({ capacity: undefined, load: 0, active: 7 });
  });

  it('has a healthy share of 0 without pools or with an empty pool', () => {
    expect(measureSite([]).healthyShare).toBe(0);
    expect(measureSite([pool('empty', 0)]).healthyShare).toBe(0);
  });
});

describe('decideAnnounce', () => {
  const base = { healthyShare: 1, minHealthy: 0.5, draining: false, ready: true };
  it('announces at or above minHealthy', () => {
    expect(decideAnnounce(base).announce).toBe(true);
    expect(decideAnnounce({ ...base, healthyShare: 0.5 }).announce).toBe(true);
  });
  it('withdraws below minHealthy, while draining, before start, and with nothing healthy', () => {
    expect(decideAnnounce({ ...base, healthyShare: 0.49 })).toEqual({
      announce: false,
      reason: 'healthy share 49% < minHealthy 50%',
    });
    expect(decideAnnounce({ ...base, draining: true }).reason).toBe('draining');
    expect(decideAnnounce({ ...base, ready: false }).reason).toBe('not started');
    expect(decideAnnounce({ ...base, healthyShare: 0, minHealthy: 0 }).announce).toBe(false);
  });
});
