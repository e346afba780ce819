import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidHealthCheckOptionError, UnknownHealthCheckError } from '../../src/errors.js';
import {
  type AgentHint,
  agentWeight,
  type HealthCheckRecord,
  HealthMonitor,
} from '../../src/health/index.js';
import { OutlierDetector } from '../../src/outlier/index.js';
import { Pool } from '../../src/pool.js';
import type { Server } from '../../src/server.js';
import '../../src/schedulers/rr.js';
import { closedPort, nextHealthEvent, startTcpServer, TestHttpServer, waitFor } from './helpers.js';

describe('HealthMonitor', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  const httpServer = async (handler?: ConstructorParameters<typeof TestHttpServer>[0]) => {
    const server = await new TestHttpServer(handler).start();
    cleanups.push(() => server.stop());
    return server;
  };
  const makePool = (servers: { name: string; address: string }[]) => {
    const pool = new Pool('web', { scheduler: 'rr', servers });
    cleanups.push(() => pool.close());
    return pool;
  };
  const monitor = (pool: Pool, options: ConstructorParameters<typeof HealthMonitor>[1]) => {
    const m = new HealthMonitor(pool, { interval: 50, timeout: 200, jitter: 0, ...options });
    cleanups.push(() => m.stop());
    return m.start();
  };
  const resultFor = (m: HealthMonitor, name: string) =>
    new Promise<HealthCheckRecord>((resolve) => {
      const onResult = (server: Server, result: HealthCheckRecord) => {
        if (server.name !== name) return;
        m.off('result', onResult);
        resolve(result);
      };
      m.on('result', onResult);
    });

  it('marks a stopped HTTP server down within fall × interval, and up after rise passes once it is back', async () => {
    const a = await httpServer((req, res) => res.writeHead(req.url === '/health' ? 200 : 404).end());
    const b = await httpServer();
    const pool = makePool([
      { name: 'a', address: `127.0.0.1:${a.port}` },
      { name: 'b', address: `127.0.0.1:${b.port}` },
    ]);
    const m = monitor(pool, { type: 'http', probeOptions: { path: '/health' }, rise: 2, fall: 3 });
    await expect(resultFor(m, 'a')).resolves.toMatchObject({ ok: true, message: 'HTTP 200' });

    const down = nextHealthEvent('a');
    const stoppedAt = Date.now();
    await a.stop();
    const event = await down;
    const downAfter = Date.now() - stoppedAt;
    expect(event).toMatchObject({ pool: 'web', healthy: false });
    expect(event.message).toMatch(/ECONNREFUSED/);
    expect(downAfter).toBeLessThan(3 * 50 + 750);
    expect(pool.servers()[0]!.healthy).toBe(false);
    expect(pool.eligibleCount).toBe(1);
    expect(m.session('a')!.consecutiveFailures).toBeGreaterThanOrEqual(3);

    const up = nextHealthEvent('a');
    const restartedAt = Date.now();
    await a.start();
    await expect(up).resolves.toMatchObject({ healthy: true, message: 'HTTP 200' });
    expect(Date.now() - restartedAt).toBeLessThan(2 * 50 + 750);
    expect(pool.eligibleCount).toBe(2);
    expect(b.requests.length).toBeGreaterThan(3);
    expect(pool.servers()[1]!.healthy).toBe(true);
  });

  it('follows pool membership and reports status', async () => {
    const a = await httpServer();
    const b = await httpServer();
    const pool = makePool([{ name: 'a', address: `127.0.0.1:${a.port}` }]);
    const m = monitor(pool, { type: 'tcp' });
    expect(m.sessions().map((s) => s.server.name)).toEqual(['a']);
    pool.add({ name: 'b', address: `127.0.0.1:${b.port}` });
    expect(m.sessions().map((s) => s.server.name)).toEqual(['a', 'b']);
    await expect(resultFor(m, 'b')).resolves.toMatchObject({ ok: true });
    const session = m.session('b')!;
    await pool.remove('b');
    expect(session.running).toBe(false);
    expect(m.session('b')).toBeUndefined();
    await waitFor(() => pool.servers()[0]!.lastCheck !== undefined);
    expect(m.status()).toEqual([
      {
        server: 'a',
        healthy: true,
        localHealthy: true,
        held: undefined,
        checking: expect.any(Boolean),
        consecutivePasses: expect.any(Number),
        consecutiveFailures: 0,
        lastCheck: { at: expect.any(Number), ok: true, message: expect.stringMatching(/^connected/) },
      },
    ]);
  });

  it('stop() ends every session and by default gives the servers back their health', async () => {
    const port = await closedPort();
    const pool = makePool([
      { name: 'a', address: `127.0.0.1:${port}` },
      { name: 'b', address: `127.0.0.1:${port}` },
    ]);
    const first = monitor(pool, { type: 'tcp', fall: 1 });
    await waitFor(() => pool.servers().every((s) => !s.healthy), 2000, 'both servers down');
    first.stop({ restore: false });
    expect(first.running).toBe(false);
    expect(pool.servers().map((s) => s.healthy)).toEqual([false, false]);
    const second = monitor(pool, { type: 'tcp', fall: 1 });
    expect(second.sessions()).toHaveLength(2);
    second.stop();
    expect(second.sessions()).toHaveLength(0);
    expect(pool.servers().map((s) => s.healthy)).toEqual([true, true]);
  });

  it('hands agent hints to onAgentHint and the agent-hint event (the owner applies them)', async () => {
    const agent = await startTcpServer((socket) => socket.end('up drain 50%\n'));
    cleanups.push(agent.close);
    const pool = new Pool('mail', {
      scheduler: 'rr',
      servers: [{ name: 'mx1', address: '127.0.0.1:25', weight: 10 }],
    });
    cleanups.push(() => pool.close());
    const configured = new Map(pool.servers().map((s) => [s.name, s.configuredWeight]));
    const applied: AgentHint[] = [];
    const m = monitor(pool, {
      type: 'agent',
      probeOptions: { port: agent.port },
      // How an owner wires hints: admin state as is, weight relative to the configured one.
      onAgentHint: (server, hint) => {
        applied.push(hint);
        if (hint.state !== undefined) pool.setState(server.name, hint.state);
        if (hint.weightPercent !== undefined) {
          const weight = agentWeight(configured.get(server.name)!, hint.weightPercent);
          if (weight !== server.configuredWeight) pool.setWeight(server.name, weight);
        }
      },
    });
    const [server, hint] = (await once(m, 'agent-hint')) as [Server, AgentHint];
    expect(server.name).toBe('mx1');
    expect(hint).toEqual({ state: 'drain', weightPercent: 50 });
    expect(applied[0]).toEqual(hint);
    expect(server.state).toBe('drain');
    expect(server.configuredWeight).toBe(5);
    expect(server.lastCheck).toMatchObject({ ok: true, message: 'agent: up drain 50%' });
  });

  it('an active pass un-ejects a server the outlier detector ejected (onPass → onActivePass)', async () => {
    const a = await httpServer();
    const b = await httpServer();
    const pool = makePool([
      { name: 'a', address: `127.0.0.1:${a.port}` },
      { name: 'b', address: `127.0.0.1:${b.port}` },
    ]);
    const detector = new OutlierDetector(pool, { consecutiveFailures: 2, maxEjectionPercent: 50 });
    cleanups.push(() => detector.stop());
    const serverA = pool.get('a')!;
    detector.report(serverA, false, '5xx');
    detector.report(serverA, false, '5xx');
    expect(serverA.ejected).toBe(true);
    monitor(pool, { type: 'http', interval: 1000, onPass: (server) => detector.onActivePass(server) });
    await waitFor(() => !serverA.ejected, 2000, 'the active pass to un-eject a');
    expect(pool.eligibleCount).toBe(2);
  });

  it('rejects a missing or unknown check type and bad session options at construction', () => {
    const pool = makePool([{ name: 'a', address: '127.0.0.1:1' }]);
    expect(() => new HealthMonitor(pool, {})).toThrow(InvalidHealthCheckOptionError);
    expect(() => new HealthMonitor(pool, { type: 'gopher' })).toThrow(UnknownHealthCheckError);
    expect(() => new HealthMonitor(pool, { type: 'tcp', fall: 0 })).toThrow(
      /health check "tcp": option "fall"/,
    );
    const custom = new HealthMonitor(pool, { probe: { check: async () => 'fine' } });
    expect(custom.type).toBe('custom');
    expect(custom.running).toBe(false);
  });
});
