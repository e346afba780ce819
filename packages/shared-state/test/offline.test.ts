import { createServer } from 'node:net';
import { Pool } from '@lvs7/core';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidSharedStateOptionsError } from '../src/errors.js';
import { SharedState } from '../src/shared-state.js';

/** A port nothing listens on (bound a moment ago, then closed). */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function capturingLogger() {
  const lines: { level: number; msg: string }[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, lines };
}

describe('SharedState without Redis', () => {
  let shared: SharedState | undefined;
  afterEach(async () => {
    await shared?.close();
    shared = undefined;
  });

  it('serves tables from the local view, buffers writes within bounds, and logs the outage once', async () => {
    const { logger, lines } = capturingLogger();
    const port = await closedPort();
    const started = Date.now();
    shared = await SharedState.connect({
      redis: `redis://127.0.0.1:${port}`,
      cluster: 'offline',
      logger,
      connectTimeoutMs: 300,
      maxPendingWrites: 50,
      maxQueuedAdminChanges: 5,
    });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(shared.reachable).toBe(false);

    const table = shared.store.table('sticky', { ttlMs: 60_000, maxEntries: 20 });
    for (let i = 0; i < 1_000; i++) table.set(`k${i}`, `web${i % 3}`);
    expect(table.get('k999')).toBe('web0');
    expect(table.size).toBe(20);
    expect(shared.store.pendingWrites).toBe(50);

    expect(await shared.admin.load()).toEqual([]);
    for (let i = 0; i < 20; i++)
      shared.admin.publish({ type: 'patch', pool: 'web', server: 'web1', weight: i });
    expect(shared.admin.queued).toBe(5);

    // A pool on the shared store picks as usual.
    const pool = new Pool('web', {
      scheduler: 'lblc',
      servers: [
        { name: 'web1', address: '127.0.0.1:1' },
        { name: 'web2', address: '127.0.0.1:2' },
      ],
      state: shared.store,
    });
    const first = pool.pick({ key: 'user-1' });
    expect(pool.pick({ key: 'user-1' })).toBe(first);
    pool.close();

    await new Promise((resolve) => setTimeout(resolve, 500)); // several reconnect attempts
    const warnings = lines.filter((l) => l.msg.startsWith('Redis unreachable'));
    expect(warnings).toHaveLength(1);
  });

  it('reports every bad option at once', async () => {
    const error = await SharedState.connect({
      redis: 'http://nope',
      cluster: 'a:b',
      instanceId: 'x y',
      logger: pino({ level: 'silent' }),
      healthMode: 'most' as never,
      countIntervalMs: 0,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidSharedStateOptionsError);
    expect((error as InvalidSharedStateOptionsError).problems).toHaveLength(5);
    expect((error as InvalidSharedStateOptionsError).code).toBe('LVS7_ERR_SHARED_STATE_OPTIONS');
  });
});
