import { afterEach, describe, expect, it } from 'vitest';
import { HealthCheckFailedError } from '../../src/errors.js';
import { createHealthProbe, TcpProbe } from '../../src/health/index.js';
import { closedPort, startTcpServer, target, timeoutSignal, waitFor } from './helpers.js';

describe('tcp probe', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  it('passes when a connection opens, and closes it at once', async () => {
    let accepted = 0;
    const server = await startTcpServer(() => accepted++);
    cleanups.push(server.close);
    const probe = createHealthProbe('tcp', {});
    const message = await probe.check(target(server.port), timeoutSignal(1000));
    expect(message).toMatch(/^connected in \d+ ms$/);
    expect(accepted).toBe(1);
    await waitFor(() => server.sockets.size === 0, 1000, 'the probe to close its connection');
  });

  it('fails on a refused connection with a short reason', async () => {
    const port = await closedPort();
    const error = await new TcpProbe().check(target(port), timeoutSignal(1000)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HealthCheckFailedError);
    expect((error as Error).message).toMatch(/^connect failed: ECONNREFUSED/);
  });

  it('connects to the `port` option instead of the server port', async () => {
    const server = await startTcpServer(() => {});
    cleanups.push(server.close);
    const port = await closedPort();
    await expect(
      new TcpProbe({ port: server.port }).check(target(port), timeoutSignal(1000)),
    ).resolves.toMatch(/connected/);
  });

  it('rejects with the abort reason when the signal aborts, before or during the connect', async () => {
    const server = await startTcpServer(() => {});
    cleanups.push(server.close);
    const aborted = new AbortController();
    aborted.abort(new HealthCheckFailedError('timeout after 0 ms'));
    await expect(new TcpProbe().check(target(server.port), aborted.signal)).rejects.toThrow(
      'timeout after 0 ms',
    );
    const controller = new AbortController();
    const pending = new TcpProbe().check(target(server.port), controller.signal);
    controller.abort(new HealthCheckFailedError('timeout after 5 ms'));
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HealthCheckFailedError);
    expect((error as Error).message).toBe('timeout after 5 ms');
    await waitFor(() => server.sockets.size === 0, 1000, 'the aborted connection to close');
  });
});
