import { encodeProxyHeader } from '@lvs7/core';
import { selfSignedCertificate as selfSignedCert } from '@lvs7/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './helpers/harness.js';
import { LineClient } from './helpers/line-client.js';

let h: Harness | undefined;
const clients: LineClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await h?.stop();
  h = undefined;
});

async function connect(port: number): Promise<LineClient> {
  const c = await LineClient.connect(port);
  clients.push(c);
  return c;
}

const client = { address: '203.0.113.7', port: 40000 };
const vip = { address: '198.51.100.1', port: 143 };

describe('acceptProxy on IMAP and POP3 listeners', () => {
  it('IMAP: the header names the client the session, ID and the admin view use', async () => {
    h = await startHarness('imap', { acceptProxy: true });
    const c = await connect(h.port);
    // Header in two pieces, the first command right behind it.
    const header = encodeProxyHeader('v2', client, vip);
    c.send(header.subarray(0, 10));
    c.send(Buffer.concat([header.subarray(10), Buffer.from('a CAPABILITY\r\n')]));
    expect(await c.line()).toMatch(/^\* OK /);
    expect((await c.until(/^a /)).at(-1)).toMatch(/^a OK/);
    expect(h.listener.sessions().map((s) => s.client)).toEqual(['203.0.113.7:40000']);
    c.send('b LOGIN alice alice-pw');
    expect(await c.line()).toMatch(/^b OK /);
    const id = h.backends[0]!.transcripts[0]!.find((l) => / ID /.test(l))!;
    expect(id).toContain('"x-originating-ip" "203.0.113.7"');
    expect(id).toContain('"x-originating-port" "40000"');
    expect(id).toContain('"x-connected-ip" "198.51.100.1"');
  });

  it('POP3: the PROXY header to the backend and XCLIENT carry the client from the incoming header', async () => {
    h = await startHarness('pop3', { acceptProxy: true, proxyProtocol: 'v1' });
    const c = await connect(h.port);
    c.send(encodeProxyHeader('v1', client, { address: '198.51.100.1', port: 110 }));
    expect(await c.line()).toMatch(/^\+OK /);
    c.send('USER alice');
    await c.line();
    c.send('PASS alice-pw');
    expect(await c.line()).toMatch(/^\+OK/);
    const transcript = h.backends[0]!.transcripts[0]!;
    expect(transcript[0]).toBe('PROXY TCP4 203.0.113.7 198.51.100.1 40000 110');
    expect(transcript.find((l) => l.startsWith('XCLIENT'))).toMatch(
      /^XCLIENT ADDR=203\.0\.113\.7 PORT=40000 /,
    );
  });

  it('per-IP limits count the client of the header, not the balancer', async () => {
    h = await startHarness('imap', { acceptProxy: true, limits: { maxConnectionsPerIp: 1 } });
    const first = await connect(h.port);
    first.send(encodeProxyHeader('v1', client, vip));
    expect(await first.line()).toMatch(/^\* OK /);
    const again = await connect(h.port);
    again.send(encodeProxyHeader('v1', { ...client, port: 40001 }, vip));
    expect(await again.line()).toMatch(/^\* BYE /);
    const other = await connect(h.port);
    other.send(encodeProxyHeader('v1', { address: '203.0.113.8', port: 1 }, vip));
    expect(await other.line()).toMatch(/^\* OK /);
  });

  it('closes, without a greeting, a connection with no valid header or none in time', async () => {
    h = await startHarness('imap', { acceptProxy: true, limits: { proxyHeaderTimeout: 200 } });
    const garbage = await connect(h.port);
    garbage.send('a LOGIN alice alice-pw');
    await garbage.closedByServer();
    const silent = await connect(h.port);
    await silent.closedByServer();
    expect(h.listener.sessions()).toEqual([]);
    expect(h.backends[0]!.transcripts).toEqual([]);
  });

  it('reads the header before implicit TLS', async () => {
    h = await startHarness('imap', { acceptProxy: true, tls: { ...selfSignedCert(), mode: 'implicit' } });
    const c = await connect(h.port);
    c.send(encodeProxyHeader('v2', client, vip));
    await c.startTls();
    expect(await c.line()).toMatch(/^\* OK /);
    c.send('a LOGIN bob bob-pw');
    expect(await c.line()).toMatch(/^a OK .*mail2/);
    expect(h.listener.sessions()[0]?.client).toBe('203.0.113.7:40000');
  });

  it('acceptProxyFrom: peers outside it are direct clients and greeted at once', async () => {
    h = await startHarness('imap', { acceptProxy: true, acceptProxyFrom: ['10.0.0.0/8'] });
    const c = await connect(h.port);
    expect(await c.line()).toMatch(/^\* OK /);
    c.send(encodeProxyHeader('v1', client, vip));
    expect(await c.line()).toMatch(/^PROXY BAD /);
    expect(h.listener.sessions()[0]?.client).toMatch(/^127\.0\.0\.1:/);
  });
});
