import Imap from 'imap';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MULTIPART, RawClient, sampleMessage, sendLmtp, startTestNode, type TestNode } from './helpers.js';

let t: TestNode;
beforeAll(async () => {
  t = await startTestNode();
});
afterAll(() => t.stop());

/** node-imap, promisified just enough. */
function connectImap(user: string): Promise<Imap> {
  const imap = new Imap({
    user,
    password: 'secret',
    host: '127.0.0.1',
    port: t.imap,
    tls: false,
    authTimeout: 5000,
  });
  return new Promise((resolve, reject) => {
    imap.once('ready', () => resolve(imap));
    imap.once('error', reject);
    imap.connect();
  });
}

function call<T>(fn: (cb: (err: Error | null, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));
}

interface Fetched {
  seqno: number;
  attrs: Imap.ImapMessageAttributes;
  bodies: Record<string, string>;
}

function fetchAll(f: Imap.ImapFetch): Promise<Fetched[]> {
  const out: Fetched[] = [];
  f.on('message', (msg, seqno) => {
    const entry: Fetched = { seqno, attrs: {} as Imap.ImapMessageAttributes, bodies: {} };
    out.push(entry);
    msg.on('body', (stream, info) => {
      let text = '';
      stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      stream.once('end', () => (entry.bodies[info.which] = text));
    });
    msg.once('attributes', (attrs) => (entry.attrs = attrs));
  });
  return new Promise((resolve, reject) => {
    f.once('error', reject);
    f.once('end', () => resolve(out));
  });
}

describe('node-imap', () => {
  it('runs a full session: folders, append, fetch with structure, search, flags, copy, expunge', async () => {
    await t.node.deliver('alice@example.org', MULTIPART);
    await t.node.deliver('alice@example.org', sampleMessage('second', 'plain text'));
    const imap = await connectImap('alice');
    try {
      await call<void>((cb) => imap.addBox('Projects', (e) => cb(e, undefined)));
      const boxes = await call<Imap.MailBoxes>((cb) => imap.getBoxes(cb));
      expect(Object.keys(boxes).sort()).toEqual(['INBOX', 'Projects']);
      expect(boxes.INBOX!.delimiter).toBe('/');
      await call<void>((cb) =>
        imap.append(sampleMessage('drafted'), { mailbox: 'Projects', flags: ['Draft'] }, (e) =>
          cb(e, undefined),
        ),
      );
      const box = await call<Imap.Box>((cb) => imap.openBox('INBOX', false, cb));
      expect(box.messages.total).toBe(2);
      expect(box.uidvalidity).toBeGreaterThan(0);
      const fetched = await fetchAll(
        imap.seq.fetch('1:*', {
          bodies: ['HEADER.FIELDS (FROM SUBJECT)', '1.1', 'TEXT'],
          struct: true,
          size: true,
        }),
      );
      expect(fetched).toHaveLength(2);
      const first = fetched.find((m) => m.seqno === 1)!;
      expect(first.bodies['HEADER.FIELDS (FROM SUBJECT)']).toContain(
        'Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= from the lab',
      );
      expect(first.bodies['1.1']).toBe('Caf=C3=A9 au lait, twice.');
      const struct = first.attrs.struct as unknown[];
      expect(struct[0]).toMatchObject({ type: 'mixed' });
      expect(JSON.stringify(struct)).toContain(
        '"disposition":{"type":"attachment","params":{"filename":"report.pdf"}}',
      );
      const uids = await call<number[]>((cb) => imap.search([['SUBJECT', 'second']], cb));
      expect(uids).toEqual([2]);
      await call<void>((cb) => imap.addFlags(2, ['Flagged'], (e) => cb(e, undefined)));
      await call<void>((cb) => imap.addKeywords(2, ['$Important'], (e) => cb(e, undefined)));
      const flags = await fetchAll(imap.fetch(2, { bodies: [] }));
      expect(flags[0]!.attrs.flags).toEqual(expect.arrayContaining(['\\Flagged', '$Important']));
      await call<void>((cb) => imap.copy(1, 'Projects', (e) => cb(e, undefined)));
      await call<void>((cb) => imap.addFlags(1, 'Deleted', (e) => cb(e, undefined)));
      await call<void>((cb) => imap.expunge((e) => cb(e, undefined)));
      const status = await call<Imap.Box>((cb) => imap.status('Projects', cb));
      expect(status.messages.total).toBe(2);
    } finally {
      imap.end();
    }
  });

  it('hears about a delivery while idling (IDLE)', async () => {
    const imap = await connectImap('bob');
    try {
      await call<Imap.Box>((cb) => imap.openBox('INBOX', false, cb));
      const mail = new Promise<number>((resolve) => imap.once('mail', resolve));
      // node-imap enters IDLE by itself once nothing is pending.
      await new Promise((r) => setTimeout(r, 300));
      await sendLmtp(t.lmtp, 's@example.net', ['bob@example.org'], sampleMessage('ping'));
      expect(await mail).toBe(1);
    } finally {
      imap.end();
    }
  });
});

describe('a Thunderbird-like session', () => {
  it('lists, polls STATUS, syncs flags and headers, reads, idles and moves', async () => {
    const user = 'dave@example.org';
    t.directory.add({ mail: user, uid: 'dave', password: 'secret' });
    for (let i = 1; i <= 3; i++) await t.node.deliver(user, sampleMessage(`tb ${i}`, `body ${i}`));
    const c = await RawClient.connect(t.imap);
    expect(await c.line()).toMatch(/^\* OK \[CAPABILITY/);
    expect(await c.command('CAPABILITY')).toContain('IDLE');
    await c.command(`LOGIN ${user} secret`);
    expect(await c.command('ID ("name" "Thunderbird" "version" "128.0")')).toContain('"name" "mail1.test"');
    for (const name of ['Drafts', 'Sent', 'Trash']) {
      await c.command(`CREATE ${name}`);
      await c.command(`SUBSCRIBE ${name}`);
    }
    expect(await c.command('NAMESPACE')).toContain('(("" "/"))');
    expect(await c.command('LSUB "" "*"')).toMatch(/LSUB \(\) "\/" Drafts[\s\S]*Sent[\s\S]*Trash/);
    const list = await c.command('LIST "" "*"');
    expect(list.match(/^\* LIST/gm)).toHaveLength(4);
    for (const name of ['Drafts', 'Sent', 'Trash']) {
      expect(await c.command(`STATUS ${name} (UIDNEXT MESSAGES UNSEEN RECENT)`)).toContain(
        `* STATUS ${name} (UIDNEXT 1 MESSAGES 0 UNSEEN 0 RECENT 0)`,
      );
    }
    const select = await c.command('SELECT INBOX');
    expect(select).toContain('* 3 EXISTS');
    expect(await c.command('UID FETCH 1:* (FLAGS)')).toMatch(
      /\* 1 FETCH \(UID 1 FLAGS \(\\Recent\)\)\r\n\* 2 FETCH \(UID 2 FLAGS \(\\Recent\)\)\r\n\* 3 FETCH \(UID 3 FLAGS \(\\Recent\)\)/,
    );
    const headers = await c.command(
      'UID FETCH 1:3 (UID RFC822.SIZE FLAGS BODY.PEEK[HEADER.FIELDS (From To Cc Bcc Subject Date Message-ID Priority X-Priority References Newsgroups In-Reply-To Content-Type Reply-To)])',
    );
    expect(
      headers.match(
        /^\* \d FETCH \(UID \d RFC822\.SIZE \d+ FLAGS \(\\Recent\) BODY\[HEADER\.FIELDS \(FROM TO/gm,
      ),
    ).toHaveLength(3);
    expect(headers).toContain('Subject: tb 2\r\n');
    const body = await c.command('UID FETCH 2 (UID RFC822.SIZE BODY.PEEK[])');
    expect(body).toMatch(/BODY\[\] \{\d+\}\r\nReturn-Path/);
    await c.command('UID STORE 2 +FLAGS (\\Seen)');
    // Idle, get a delivery, leave IDLE, fetch what is new.
    c.write('I1 IDLE\r\n');
    expect(await c.line()).toBe('+ idling');
    await sendLmtp(t.lmtp, 's@example.net', [user], sampleMessage('tb 4'));
    expect(await c.expect(/\* 4 EXISTS\r\n/)).toBeTruthy();
    c.write('DONE\r\n');
    await c.expect(/I1 OK[^\r]*\r\n/);
    expect(await c.command('UID FETCH 4:* (FLAGS)')).toContain('* 4 FETCH (UID 4 FLAGS (\\Recent))');
    expect(await c.command('UID MOVE 1 Trash')).toMatch(/\* OK \[COPYUID \d+ 1 1\][\s\S]*\* 1 EXPUNGE/);
    expect(await c.command('STATUS Trash (MESSAGES UIDNEXT)')).toContain('(MESSAGES 1 UIDNEXT 2)');
    expect(await c.command('LOGOUT')).toContain('* BYE');
    c.close();
  });
});
