import type { AddressInfo } from 'node:net';
import { AdminServer, type AdminTarget, type InstanceHealth } from '@lvs7/admin';
import type { Instance } from '@lvs7/cli';
import { HttpOrigin, waitFor } from '@lvs7/testkit';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { adminUrl, startInstance } from '../foundation/helpers.js';

/** An admin target that only reports `health`: the endpoint's contract, without an instance. */
function healthOnly(health: InstanceHealth): AdminTarget {
  const unused = () => {
    throw new Error('not used by /api/health');
  };
  return {
    pools: () => new Map(),
    addServer: unused,
    patchServer: unused,
    removeServer: unused,
    health: () => health,
  };
}

async function getHealth(base: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${base}/api/health`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/**
 * keepalived's track_script (`curl -fsS …/api/health`) and cloud balancers
 * only read the status code: 200 = send me traffic, anything else = don't.
 */
describe('GET /api/health on the admin listener', () => {
  let admin: AdminServer | undefined;
  let instance: Instance | undefined;
  let origin: HttpOrigin | undefined;

  afterEach(async () => {
    await admin?.close();
    await instance?.stop();
    await origin?.stop();
    admin = instance = origin = undefined;
  });

  it.each([
    [{ ready: true, draining: false }, 200],
    [{ ready: false, draining: false }, 503],
    [{ ready: true, draining: true }, 503],
    [{ ready: false, draining: true }, 503],
    // Both nodes of a pair share one Redis: its outage must not take both out of service.
    [{ ready: true, draining: false, redis: 'unreachable' }, 200],
  ] as const)('answers %j with %i', async (health, status) => {
    admin = new AdminServer({
      listen: '127.0.0.1:0',
      target: healthOnly(health),
      logger: pino({ level: 'silent' }),
    });
    await admin.listen();
    const reply = await getHealth(`http://127.0.0.1:${admin.address()!.port}`);
    expect(reply.status).toBe(status);
    expect(reply.body).toEqual(health);
  });

  it('answers 503 (draining) while a stopping instance waits for its sessions, 200 before', async () => {
    let release: (() => void) | undefined;
    origin = await new HttpOrigin({
      name: 'slow',
      handler: (req, res) => {
        if (req.url === '/health') return void res.end('ok');
        release = () => res.end('done');
      },
    }).start();
    instance = await startInstance(`
admin: { listen: 127.0.0.1:0 }
pools:
  web:
    servers: [ { name: slow, address: ${origin.address} } ]
listeners:
  - { name: www, protocol: http, listen: 127.0.0.1:0, routes: [ { pathPrefix: /, pool: web } ] }
`);
    const base = adminUrl(instance);
    expect(await getHealth(base)).toEqual({ status: 200, body: { ready: true, draining: false } });
    const { port } = instance.listener('www')!.address() as AddressInfo;
    const inFlight = fetch(`http://127.0.0.1:${port}/slow`).then((r) => r.text());
    await waitFor(() => release, { message: 'the request to reach the origin' });
    const stopping = instance.stop();
    const draining = await waitFor(
      async () => {
        const reply = await getHealth(base);
        return reply.status === 503 ? reply : undefined;
      },
      { message: '/api/health to answer 503' },
    );
    expect(draining.body).toEqual({ ready: true, draining: true });
    release!();
    expect(await inFlight).toBe('done');
    await stopping;
    instance = undefined;
  });
});
