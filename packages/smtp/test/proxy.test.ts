import { encodeProxyHeader } from '@lvs7/core';
import { selfSignedCertificate, waitFor } from '@lvs7/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './helpers/setup.js';
import { codes, TestClient } from './helpers/smtp-client.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const XCLIENT = ['PIPELINING', 'XCLIENT NAME ADDR PORT PROTO HELO LOGIN'];

async function send(port: number, preamble?: Buffer): Promise<number | undefined> {
  const c = await TestClient.connect(port, preamble);
  const greeting = await c.read();
  if (greeting?.code !== 220) return greeting?.code;
  await c.command('EHLO client.test');
  const r = await c.pipeline(['MAIL FROM:<>', 'RCPT TO:<alice@example.org>', 'DATA']);
  expect(codes(r)).toEqual([250, 250, 354]);
  c.write('Subject: p\r\n\r\nx\r\n.\r\n');
  const verdict = await c.read();
  c.close();
  return verdict?.code;
}

describe('PROXY protocol on the listener', () => {
  for (const version of ['v1', 'v2'] as const) {
    it(`takes the client address from a ${version} header and passes it on with XCLIENT`, async () => {
      h = await startHarness({ acceptProxy: true }, { extensions: XCLIENT });
      const header = encodeProxyHeader(
        version,
        { address: '192.0.2.77', port: 40123 },
        { address: '198.51.100.1', port: 25 },
      );
      expect(await send(h.port, header)).toBe(250);
      expect(h.backends[0]!.messages[0]!.xclient).toContain('ADDR=192.0.2.77 PORT=40123');
    });
  }

  it('reads the header before implicit TLS, the ClientHello right behind it', async () => {
    const { cert, key } = selfSignedCertificate();
    h = await startHarness(
      { acceptProxy: true, tls: { cert, key, mode: 'implicit' } },
      { extensions: XCLIENT },
    );
    const c = await TestClient.connect(
      h.port,
      encodeProxyHeader('v2', { address: '192.0.2.78', port: 40124 }, { address: '198.51.100.1', port: 465 }),
    );
    await c.startTls();
    expect((await c.read())?.code).toBe(220);
    c.close();
    await waitFor(() => h!.listener.stats.connections === 1, { message: 'the session' });
  });

  it('acceptProxyFrom: other peers are direct clients, their PROXY line an unknown command', async () => {
    h = await startHarness({ acceptProxy: true, acceptProxyFrom: ['10.0.0.0/8'] }, { extensions: XCLIENT });
    expect(await send(h.port)).toBe(250);
    expect(h.backends[0]!.messages[0]!.xclient).toContain('ADDR=127.0.0.1 ');
    const c = await TestClient.connect(h.port);
    expect((await c.read())?.code).toBe(220);
    c.write('PROXY TCP4 192.0.2.1 198.51.100.1 1 25\r\n');
    expect((await c.read())?.code).toBe(500);
    c.close();
  });

  it('closes connections without a valid header', async () => {
    h = await startHarness({ acceptProxy: true, limits: { proxyHeaderTimeout: 200 } });
    const c = await TestClient.connect(h.port, Buffer.from('EHLO sneaky\r\n'));
    await c.closedPromise();
    const silent = await TestClient.connect(h.port);
    await silent.closedPromise();
    expect(h.listener.stats.connections).toBe(0);
  });
});

describe('PROXY protocol to backends', () => {
  it('sends the header first when the pool asks, and never reuses those connections', async () => {
    h = await startHarness({ backend: { proxyProtocol: 'v1' } }, { proxy: true });
    expect(await send(h.port)).toBe(250);
    expect(await send(h.port)).toBe(250);
    const mx1 = h.backends[0]!;
    // Clients: to the listener's address.
    expect(mx1.proxyHeaders.filter((l) => l.endsWith(` ${h!.port}`))).toHaveLength(2);
    // The startup probe speaks for itself: v1 has no LOCAL, so lvs7's own connection ends (Postfix refuses UNKNOWN).
    const [, serverPort] = mx1.address.split(':');
    expect(mx1.proxyHeaders.filter((l) => l.endsWith(` ${serverPort}`))).toHaveLength(1);
    expect(mx1.messages).toHaveLength(2);
  });
});
