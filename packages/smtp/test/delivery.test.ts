import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './helpers/setup.js';
import { codes, TestClient } from './helpers/smtp-client.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function transaction(
  port: number,
  rcpts: readonly string[],
  body: string | Buffer = 'Subject: t\r\n\r\nhi\r\n',
) {
  const c = await TestClient.connect(port);
  await c.read();
  await c.command('EHLO client.test');
  const envelope = await c.pipeline([
    'MAIL FROM:<x@example.net>',
    ...rcpts.map((r) => `RCPT TO:<${r}>`),
    'DATA',
  ]);
  if (envelope.at(-1)?.code !== 354) return { c, envelope, verdict: undefined };
  c.write(body);
  c.write('.\r\n');
  return { c, envelope, verdict: await c.read() };
}

describe('LMTP backends', () => {
  const quotaFor = (bad: string) => (rcpts: readonly string[]) =>
    rcpts.map((r) => (r === bad ? `452 4.2.2 <${r}> Quota exceeded` : `250 2.0.0 <${r}> Saved`));

  it('speaks LHLO and answers 250 when every recipient was delivered', async () => {
    h = await startHarness({ backend: { protocol: 'lmtp' } }, { lmtp: true });
    // bob is pinned to mx2; carol (no mailHost) joins his transaction.
    const { verdict, c } = await transaction(h.port, ['bob@example.org', 'carol@example.org']);
    expect(verdict).toMatchObject({ code: 250, enhanced: '2.0.0' });
    expect(h.backends[1]!.messages[0]!.recipients).toEqual(['bob@example.org', 'carol@example.org']);
    expect(h.backends[1]!.commands).toContain('LHLO lvs7.test');
    c.close();
  });

  it('maps mixed per-recipient verdicts to 451 4.3.0 and all-temporary ones to 451', async () => {
    h = await startHarness(
      { backend: { protocol: 'lmtp' } },
      { lmtp: true, final: quotaFor('carol@example.org') },
    );
    const mixed = await transaction(h.port, ['bob@example.org', 'carol@example.org']);
    expect(`${mixed.verdict?.code} ${mixed.verdict?.enhanced}`).toBe('451 4.3.0');
    mixed.c.close();
    const allTemp = await transaction(h.port, ['carol@example.org']);
    expect(`${allTemp.verdict?.code} ${allTemp.verdict?.enhanced}`).toBe('451 4.2.2');
    allTemp.c.close();
    const fine = await transaction(h.port, ['bob@example.org']);
    expect(fine.verdict?.code).toBe(250);
    fine.c.close();
  });

  it('gives a mailbox reached through two of its addresses the message once', async () => {
    h = await startHarness({ backend: { protocol: 'lmtp' } }, { lmtp: true });
    const { envelope, verdict, c } = await transaction(h.port, ['alice@example.org', 'a.smith@example.org']);
    expect(codes(envelope)).toEqual([250, 250, 250, 354]);
    expect(verdict?.code).toBe(250);
    expect(h.backends[0]!.messages[0]!.recipients).toEqual(['alice@example.org']);
    c.close();
  });

  it('probes recipients at RCPT time: a backend refusal is the client’s RCPT reply', async () => {
    h = await startHarness(
      { backend: { protocol: 'lmtp' } },
      {
        lmtp: true,
        rcpt: (a) => (a.startsWith('bob') ? "550 5.1.1 <bob@example.org> User doesn't exist" : undefined),
      },
    );
    const { envelope, verdict, c } = await transaction(h.port, ['bob@example.org']);
    expect(codes(envelope)).toEqual([250, 550, 554]);
    expect(verdict).toBeUndefined();
    c.close();
  });
});

describe('faults', () => {
  it('answers 451 when the backend dies mid-DATA; nothing is delivered', async () => {
    h = await startHarness({}, { dieAfterBytes: 50_000 });
    const body = `Subject: big\r\n\r\n${'x'.repeat(70)}\r\n`.repeat(2000);
    const { verdict, c } = await transaction(h.port, ['alice@example.org'], body);
    expect(`${verdict?.code} ${verdict?.enhanced}`).toBe('451 4.4.2');
    expect(h.backends[0]!.messages).toHaveLength(0);
    // The session goes on.
    expect((await c.command('NOOP'))?.code).toBe(250);
    expect(h.listener.stats.snapshot().outcomes['backend-failed']).toBe(1);
    c.close();
  });

  it('answers 451 when the backend stops reading and then dies (the client was paused by backpressure)', async () => {
    h = await startHarness({}, { stallThenDieMs: 300 });
    const body = `Subject: big\r\n\r\n${`${'x'.repeat(998)}\r\n`.repeat(4000)}`;
    const { verdict, c } = await transaction(h.port, ['alice@example.org'], body);
    expect(`${verdict?.code} ${verdict?.enhanced}`).toBe('451 4.4.2');
    expect(h.backends[0]!.messages).toHaveLength(0);
    c.close();
  });

  it('answers 451 when the backend never gives its verdict', async () => {
    h = await startHarness({ backend: { dataReplyTimeout: 200 } }, { silentAfterData: true });
    const { verdict, c } = await transaction(h.port, ['alice@example.org']);
    expect(verdict?.code).toBe(451);
    c.close();
  });

  it('passes dot-stuffed lines and 8-bit bytes through unchanged', async () => {
    h = await startHarness();
    const body = Buffer.concat([
      Buffer.from('Subject: x\r\n\r\n..\r\n...leading\r\n'),
      Buffer.from([0xc3, 0xa9, 0x0d, 0x0a]),
    ]);
    const { verdict, c } = await transaction(h.port, ['alice@example.org'], body);
    expect(verdict?.code).toBe(250);
    expect(h.backends[0]!.messages[0]!.data.equals(Buffer.concat([body, Buffer.from('.\r\n')]))).toBe(true);
    c.close();
  });

  it('reuses a backend connection for the next transaction', async () => {
    h = await startHarness();
    const before = h.backends[0]!.connections;
    for (let i = 0; i < 3; i++) {
      const { verdict, c } = await transaction(h.port, ['alice@example.org']);
      expect(verdict?.code).toBe(250);
      c.close();
    }
    expect(h.backends[0]!.connections).toBe(Math.max(before, 1));
    expect(h.backends[0]!.messages).toHaveLength(3);
  });
});

describe('backend dialects', () => {
  it('talks to a backend without PIPELINING one command at a time', async () => {
    h = await startHarness({}, { extensions: ['8BITMIME'] });
    const { verdict, c } = await transaction(h.port, ['alice@example.org']);
    expect(verdict?.code).toBe(250);
    const cmds = h.backends[0]!.commands;
    const at = cmds.indexOf('MAIL FROM:<x@example.net>');
    expect(cmds.slice(at, at + 3)).toEqual([
      'MAIL FROM:<x@example.net>',
      'RCPT TO:<alice@example.org>',
      'DATA',
    ]);
    expect(h.backends[0]!.messages).toHaveLength(1);
    c.close();
  });

  it('shows the client a backend’s refusal of the sender at RCPT, and frees the transaction', async () => {
    h = await startHarness(
      {},
      {
        mail: (from) =>
          from.endsWith('@spam.example') ? '553 5.7.1 <x@spam.example>: Sender address rejected' : undefined,
      },
    );
    const c = await TestClient.connect(h.port);
    await c.read();
    await c.command('EHLO client.test');
    const r = await c.pipeline([
      'MAIL FROM:<x@spam.example>',
      'RCPT TO:<alice@example.org>',
      'RSET',
      'MAIL FROM:<ok@example.net>',
      'RCPT TO:<bob@example.org>',
    ]);
    expect(r.map((x) => `${x?.code} ${x?.enhanced}`)).toEqual([
      '250 2.1.0',
      '553 5.7.1',
      '250 2.0.0',
      '250 2.1.0',
      '250 2.1.5',
    ]);
    c.close();
  });
});

describe('passing the client on', () => {
  it('sends XCLIENT to backends that offer it, then EHLO again', async () => {
    h = await startHarness({}, { extensions: ['PIPELINING', 'XCLIENT NAME ADDR PORT PROTO HELO LOGIN'] });
    const { verdict, c } = await transaction(h.port, ['alice@example.org']);
    expect(verdict?.code).toBe(250);
    const { xclient } = h.backends[0]!.messages[0]!;
    expect(xclient).toMatch(
      /^XCLIENT NAME=\[UNAVAILABLE\] ADDR=127\.0\.0\.1 PORT=\d+ PROTO=ESMTP HELO=client\.test$/,
    );
    const cmds = h.backends[0]!.commands;
    // EHLO again after XCLIENT, in the client's name: the last name given is the one Postfix records.
    expect(cmds.slice(cmds.findIndex((l) => l.startsWith('XCLIENT')) + 1)[0]).toBe('EHLO client.test');
    c.close();
  });

  it('sends XFORWARD when XCLIENT is not offered', async () => {
    h = await startHarness({}, { extensions: ['PIPELINING', 'XFORWARD NAME ADDR PROTO HELO SOURCE'] });
    const { verdict, c } = await transaction(h.port, ['alice@example.org']);
    expect(verdict?.code).toBe(250);
    expect(h.backends[0]!.messages[0]!.xforward).toBe(
      'XFORWARD NAME=[UNAVAILABLE] ADDR=127.0.0.1 PROTO=ESMTP HELO=client.test SOURCE=REMOTE',
    );
    c.close();
  });
});
