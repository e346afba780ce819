import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, sampleMessage, sendLmtp, startTestNode, type TestNode } from './helpers.js';

let t: TestNode;
beforeAll(async () => {
  t = await startTestNode({ smtp: '127.0.0.1:0' });
});
afterAll(() => t.stop());

async function fetchAll(user: string): Promise<string> {
  const c = await RawClient.connect(t.imap);
  await c.line();
  await c.command(`LOGIN ${user} secret`);
  await c.command('EXAMINE INBOX');
  const out = await c.command('FETCH 1:* (UID BODY.PEEK[])');
  c.close();
  return out;
}

describe('LMTP delivery', () => {
  it('greets with the node name and answers each recipient after DATA', async () => {
    const result = await sendLmtp(
      t.lmtp,
      'sender@example.net',
      ['alice@example.org', 'nobody@example.org', 'carol@example.org', 'bob@example.org'],
      sampleMessage('to several'),
    );
    expect(result.greeting).toMatch(/^220 mail1\.test LMTP/);
    expect(result.rcpt).toEqual([
      '250 2.1.5 Accepted',
      '550 5.1.1 no such user "nobody@example.org"',
      '550 5.1.1 account "carol@example.org" is disabled',
      '250 2.1.5 Accepted',
    ]);
    expect(result.data).toEqual([
      '250 2.6.0 <alice@example.org> 1 Saved',
      '250 2.6.0 <bob@example.org> 1 Saved',
    ]);
  });

  it('prepends Return-Path, Delivered-To and Received naming the node', async () => {
    await sendLmtp(t.lmtp, 'trace@example.net', ['alice@example.org'], sampleMessage('traced'));
    const stored = await fetchAll('alice');
    expect(stored).toMatch(
      /Return-Path: <trace@example\.net>\r\nDelivered-To: alice@example\.org\r\nReceived: from client\.test \(\[127\.0\.0\.1\]\)\r\n\tby mail1\.test \(lvs7\) with LMTP id \S+\r\n\tfor <alice@example\.org>; \w{3}, \d+ \w{3} \d{4} [\d:]{8} \+0000\r\nFrom: Sender/,
    );
  });

  it('refuses over-quota mail with 552 5.2.2, at RCPT (SIZE) and after DATA', async () => {
    const big = sampleMessage('big', 'x'.repeat(4000));
    const client = await RawClient.connect(t.lmtp);
    await client.line();
    client.write('LHLO c\r\n');
    await client.expect(/\r\n250 [^\r]*\r\n/);
    client.write('MAIL FROM:<s@example.net> SIZE=5000\r\n');
    expect(await client.line()).toMatch(/^250/);
    client.write('RCPT TO:<bob@example.org>\r\n');
    expect(await client.line()).toMatch(/^552 5\.2\.2 mailbox of "bob@example\.org" is over quota/);
    client.close();
    const result = await sendLmtp(t.lmtp, 's@example.net', ['bob@example.org', 'alice@example.org'], big);
    expect(result.rcpt).toEqual(['250 2.1.5 Accepted', '250 2.1.5 Accepted']);
    expect(result.data[0]).toMatch(/^552 5\.2\.2 mailbox of "bob@example\.org" is over quota/);
    expect(result.data[1]).toMatch(/^250 2\.6\.0 <alice@example\.org> \d+ Saved/);
  });

  it('answers 451 4.3.0 while the directory cannot answer', async () => {
    t.directory.down = true;
    try {
      const result = await sendLmtp(t.lmtp, 's@example.net', ['alice@example.org'], sampleMessage('later'));
      expect(result.rcpt[0]).toMatch(/^451 4\.3\.0 directory unavailable/);
    } finally {
      t.directory.down = false;
    }
  });

  it('dot-unstuffs and keeps 8-bit bodies intact', async () => {
    const body = 'line\r\n.leading dot\r\nGrüße\r\n..two dots';
    await sendLmtp(t.lmtp, 's@example.net', ['alice@example.org'], sampleMessage('dots', body));
    const stored = Buffer.from(await fetchAll('alice'), 'latin1').toString('utf8');
    expect(stored).toContain('line\r\n.leading dot\r\nGrüße\r\n..two dots');
  });

  it('refuses a message over maxMessageSize for each recipient', async () => {
    const small = await startTestNode({ limits: { maxMessageSize: 2000 } });
    try {
      const result = await sendLmtp(
        small.lmtp,
        's@example.net',
        ['alice@example.org', 'bob@example.org'],
        sampleMessage('big', 'y'.repeat(5000)),
      );
      expect(result.data).toEqual([expect.stringMatching(/^552 /), expect.stringMatching(/^552 /)]);
    } finally {
      await small.stop();
    }
  });

  it('delivers over SMTP with one reply', async () => {
    const result = await sendLmtp(
      t.node.addresses.smtp!.port,
      's@example.net',
      ['alice@example.org'],
      sampleMessage('smtp'),
      {
        smtp: true,
      },
    );
    expect(result.greeting).toMatch(/^220 mail1\.test ESMTP/);
    expect(result.data).toEqual([expect.stringMatching(/^250 2\.6\.0 <alice@example\.org> \d+ Saved/)]);
  });
});
