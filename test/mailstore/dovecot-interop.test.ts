import { chownMailTree, type DovecotInstance, startDovecot } from '@lvs7/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FORWARD,
  MULTIPART,
  PLAIN,
  RawClient,
  sampleMessage,
  sendLmtp,
  startTestNode,
  type TestNode,
} from './helpers.js';

/**
 * The same Maildir served by an lvs7 mail node and by a real Dovecot 2.3:
 * both must show the same messages, UIDs, flags, keywords, folders and
 * subscriptions, and answer FETCH and SEARCH alike.
 */
let t: TestNode;
let dovecot: DovecotInstance;

beforeAll(async () => {
  t = await startTestNode();
  dovecot = await startDovecot({
    name: 'dovecot1',
    mailRoot: t.root,
    mailTemplate: '%d/%n', // lvs7's default {root}/{domain}/{local}
    users: [{ user: 'alice@example.org', password: 'secret' }],
    pop3: true,
    lmtp: true,
  });
});
afterAll(async () => {
  await dovecot?.stop();
  await t?.stop();
});

/** One IMAP session; resolves with each command's response (timings and NOMODSEQ noise removed). */
async function session(port: number, commands: readonly string[]): Promise<string[]> {
  const c = await RawClient.connect(port);
  await c.line();
  await c.command('LOGIN alice@example.org secret');
  const out: string[] = [];
  for (const command of commands) {
    const response = await c.command(command);
    out.push(
      response
        .replace(/ \(\d+\.\d+ \+ [\d.+ ]+ secs\)/g, '')
        .replace(/\* OK \[NOMODSEQ\][^\r]*\r\n/, '')
        .replace(/(^|\r\n)A\d+ (OK|NO|BAD)[^\r]*\r\n$/, '$1$2'),
    );
  }
  c.close();
  return out;
}

/** Both servers, same commands; only the untagged data lines and the status are compared. */
async function both(commands: readonly string[]): Promise<[string[], string[]]> {
  await chownMailTree(t.root); // Dovecot runs as "mail"; lvs7 in this test as root
  const [ours, theirs] = await Promise.all([session(t.imap, commands), session(dovecot.imapPort, commands)]);
  const dataOnly = (r: string) =>
    r
      .split('\r\n')
      .filter(
        (l) =>
          /^\* (\d+ FETCH|SEARCH|LIST|LSUB|STATUS|FLAGS|\d+ EXISTS)|^(OK|NO|BAD)$/.test(l) || /^[^*]/.test(l),
      )
      .join('\r\n');
  return [ours.map(dataOnly), theirs.map(dataOnly)];
}

describe('lvs7 and Dovecot on one Maildir', () => {
  it('show the same messages, UIDs, flags, keywords, folders and subscriptions', async () => {
    for (const message of [MULTIPART, FORWARD, PLAIN]) await t.node.deliver('alice@example.org', message);
    const setup = await session(t.imap, [
      'CREATE Archive/2024',
      'SUBSCRIBE Archive/2024',
      'SELECT INBOX',
      'STORE 1 +FLAGS (\\Flagged $Junk)',
      'STORE 2 +FLAGS (\\Seen \\Answered)',
      'COPY 1:2 Archive/2024',
    ]);
    expect(setup.every((r) => r.endsWith('OK'))).toBe(true);
    const [ours, theirs] = await both([
      'LIST "" "*"',
      'LSUB "" "*"',
      'STATUS INBOX (MESSAGES UIDNEXT UIDVALIDITY UNSEEN)',
      'STATUS Archive/2024 (MESSAGES UIDNEXT UIDVALIDITY UNSEEN)',
      'EXAMINE INBOX',
      'UID FETCH 1:* (FLAGS)',
    ]);
    // Folder order differs (Dovecot lists INBOX last): compare as sets.
    expect(ours[0]!.split('\r\n').sort()).toEqual(theirs[0]!.split('\r\n').sort());
    expect(ours.slice(1)).toEqual(theirs.slice(1));
    expect(ours[5]).toContain('* 1 FETCH (UID 1 FLAGS (\\Flagged $Junk))');
  });

  it('answer FETCH (structure, envelope, sections, partials) and SEARCH alike', async () => {
    const commands = [
      'EXAMINE INBOX',
      'FETCH 1:3 (BODYSTRUCTURE)',
      'FETCH 1:3 (BODY)',
      'FETCH 1:3 (ENVELOPE)',
      'FETCH 1:3 (RFC822.SIZE)',
      'FETCH 1:3 (INTERNALDATE)',
      'FETCH 1 (BODY.PEEK[1.1])',
      'FETCH 1 (BODY.PEEK[1.2.MIME])',
      'FETCH 1 (BODY.PEEK[2]<0.5>)',
      'FETCH 1 (BODY.PEEK[TEXT]<10.30>)',
      'FETCH 2 (BODY.PEEK[2.HEADER])',
      'FETCH 2 (BODY.PEEK[2.TEXT])',
      'FETCH 2 (BODY.PEEK[2.1])',
      'FETCH 3 (BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)])',
      'FETCH 3 (BODY.PEEK[HEADER.FIELDS.NOT (SUBJECT)])',
      'FETCH 3 (BODY.PEEK[1])',
      'FETCH 3 (RFC822.HEADER)',
      'FETCH 1:3 (BODY.PEEK[])',
      'SEARCH OR FROM dave SUBJECT fwd',
      'SEARCH SENTBEFORE 1-Jan-2000',
      'SEARCH NOT HEADER Message-ID ""',
      'SEARCH LARGER 400 UNSEEN',
      'SEARCH TEXT "twice"',
      'SEARCH KEYWORD $Junk',
      'UID SEARCH 2:*',
    ];
    const [ours, theirs] = await both(commands);
    for (let i = 0; i < commands.length; i++)
      expect({ command: commands[i], response: ours[i] }).toEqual({
        command: commands[i],
        response: theirs[i],
      });
  });

  it('see what the other changed: flags, expunges, deliveries', async () => {
    await chownMailTree(t.root);
    await session(dovecot.imapPort, [
      'SELECT INBOX',
      'STORE 3 +FLAGS (\\Deleted)',
      'EXPUNGE',
      'STORE 2 -FLAGS (\\Answered)',
    ]);
    const delivered = await sendLmtp(
      dovecot.lmtpPort,
      's@example.net',
      ['alice@example.org'],
      sampleMessage('via dovecot'),
    );
    expect(delivered.data[0]).toMatch(/^250 2\.0\.0/);
    const [, ours] = await session(t.imap, [
      'EXAMINE INBOX',
      'UID FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])',
    ]);
    expect(ours).toMatch(/\* 1 FETCH \(UID 1 FLAGS \(\\Flagged \$Junk\)/);
    expect(ours).toMatch(/\* 2 FETCH \(UID 2 FLAGS \(\\Seen\)/);
    expect(ours).toMatch(
      /\* 3 FETCH \(UID 4 FLAGS \(\\Recent\) BODY\[HEADER\.FIELDS \(SUBJECT\)\] \{\d+\}\r\nSubject: via dovecot/,
    );
    expect(ours).not.toContain('UID 3 ');
    // And the message lvs7 delivers next gets the next UID for both.
    await t.node.deliver('alice@example.org', sampleMessage('via lvs7'));
    const [a, b] = await both(['EXAMINE INBOX', 'UID FETCH 5 (UID BODY.PEEK[HEADER.FIELDS (SUBJECT)])']);
    expect(a[1]).toContain('Subject: via lvs7');
    expect(a[1]).toEqual(b[1]);
  });

  it('give the same POP3 UIDLs', async () => {
    const uidl = async (port: number) => {
      const c = await RawClient.connect(port);
      await c.line();
      c.write('USER alice@example.org\r\nPASS secret\r\nUIDL\r\n');
      await c.line();
      await c.line();
      const list = await c.expect(/\r\n\.\r\n/);
      c.close();
      return list;
    };
    await chownMailTree(t.root);
    const [ours, theirs] = await Promise.all([uidl(t.pop3), uidl(dovecot.pop3Port)]);
    expect(ours).toMatch(/^\+OK[\s\S]*\r\n1 00000001[0-9a-f]{8}\r\n/);
    expect(ours.replace(/^\+OK[^\r]*/, '')).toBe(theirs.replace(/^\+OK[^\r]*/, ''));
  });
});
