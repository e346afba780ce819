import { afterEach, describe, expect, it } from 'vitest';
import { encodeProxyHeader } from '../src/proxy-protocol.js';
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
    expect(mx1.proxyHeaders.filter((l) => l.startsWith('PROXY TCP4 127.0.0.1 127.0.0.1 '))).toHaveLength(2);
    // The startup probe announces itself as LOCAL (UNKNOWN in v1).
    expect(mx1.proxyHeaders).toContain('PROXY UNKNOWN');
    expect(mx1.messages).toHaveLength(2);
  });
});
