import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './helpers/setup.js';
import { codes, TestClient } from './helpers/smtp-client.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('SmtpListener', () => {
  it('relays a message to the mailbox server and answers with its verdict', async () => {
    h = await startHarness();
    const c = await TestClient.connect(h.port);
    expect((await c.read())?.code).toBe(220);
    const ehlo = await c.command('EHLO client.test');
    expect(ehlo?.lines).toEqual(
      expect.arrayContaining(['PIPELINING', '8BITMIME', 'SMTPUTF8', 'ENHANCEDSTATUSCODES']),
    );
    const replies = await c.pipeline(['MAIL FROM:<x@example.net>', 'RCPT TO:<alice@example.org>', 'DATA']);
    expect(codes(replies)).toEqual([250, 250, 354]);
    c.write('Subject: hi\r\n\r\n..dot line\r\nbody\r\n.\r\n');
    const verdict = await c.read();
    expect(verdict?.code).toBe(250);
    expect(verdict?.lines[0]).toContain('queued as FAKE');
    const [mx1] = h.backends;
    expect(mx1!.messages).toHaveLength(1);
    expect(mx1!.messages[0]!.recipients).toEqual(['alice@example.org']);
    expect(mx1!.messages[0]!.data.toString()).toBe('Subject: hi\r\n\r\n..dot line\r\nbody\r\n.\r\n');
    expect(mx1!.messages[0]!.xclient).toBeUndefined();
    c.close();
  });
});
