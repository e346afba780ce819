import { afterEach, describe, expect, it } from 'vitest';
import { InvalidHealthCheckOptionError } from '../../src/errors.js';
import { createHealthProbe } from '../../src/health/index.js';
import { startTcpServer, target, timeoutSignal, waitFor } from './helpers.js';

const LOCAL_V2 = '0d0a0d0a000d0a515549540a20000000';

describe('health checks of a pool with sendProxy (check-send-proxy)', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  /** A server recording what each connection sent; `answer` replies once the first bytes are in. */
  async function recorder(answer?: (received: Buffer) => string | undefined) {
    const received: Buffer[] = [];
    const server = await startTcpServer((socket) => {
      let bytes = Buffer.alloc(0);
      received.push(bytes);
      const at = received.length - 1;
      socket.on('data', (chunk: Buffer) => {
        bytes = Buffer.concat([bytes, chunk]);
        received[at] = bytes;
        const reply = answer?.(bytes);
        if (reply !== undefined) socket.end(reply);
      });
    });
    cleanups.push(server.close);
    return { server, received };
  }

  it('tcp: writes a LOCAL header (v2) before closing', async () => {
    const { server, received } = await recorder();
    await createHealthProbe('tcp', { sendProxy: 'v2' }).check(target(server.port), timeoutSignal(2000));
    await waitFor(() => received[0]?.length === 16, 2000, 'the header');
    expect(received[0]!.toString('hex')).toBe(LOCAL_V2);
  });

  it("http: the request follows a v1 line with the check connection's own ends, and the check passes", async () => {
    const { server, received } = await recorder((bytes) =>
      bytes.includes('\r\n\r\n')
        ? 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok'
        : undefined,
    );
    const probe = createHealthProbe('http', { sendProxy: 'v1', path: '/health' });
    expect(await probe.check(target(server.port), timeoutSignal(2000))).toBe('HTTP 200');
    // v1 has no LOCAL; PROXY UNKNOWN would do, but Postfix refuses it: lvs7 names its own connection.
    expect(received[0]!.toString('latin1')).toMatch(
      new RegExp(
        `^PROXY TCP4 127\\.0\\.0\\.1 127\\.0\\.0\\.1 \\d+ ${server.port}\r\nGET /health HTTP/1\\.1\r\n`,
      ),
    );
  });

  it('without sendProxy nothing is prepended', async () => {
    const { server, received } = await recorder((bytes) =>
      bytes.includes('\r\n\r\n') ? 'HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n' : undefined,
    );
    await createHealthProbe('http', {}).check(target(server.port), timeoutSignal(2000));
    expect(received[0]!.toString('latin1')).toMatch(/^GET \/ HTTP\/1\.1\r\n/);
  });

  it('every check type accepts the pool key; a bad version is a configuration error', () => {
    expect(() => createHealthProbe('agent', { sendProxy: 'v2', port: 1 })).not.toThrow();
    expect(() => createHealthProbe('tcp', { sendProxy: 'v3' })).toThrow(InvalidHealthCheckOptionError);
  });
});
