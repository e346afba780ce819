import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RawClient } from './clients.js';
import { sampleMessage, startTestNode, type TestNode } from './helpers.js';

let t: TestNode;
let c: RawClient;

beforeEach(async () => {
  t = await startTestNode({ limits: { maxLineLength: 2048, maxLiteralSize: 100_000 } });
  c = await RawClient.connect(t.imap);
  await c.line();
});
afterEach(async () => {
  c.close();
  await t.stop();
});

async function login(client = c, user = 'alice'): Promise<void> {
  expect(await client.command(`LOGIN ${user} secret`)).toMatch(/OK \[CAPABILITY [^\]]*\] Logged in/);
}

describe('IMAP states and guards', () => {
  it('greets with the node name and capabilities', async () => {
    const other = await RawClient.connect(t.imap);
    expect(await other.line()).toMatch(/^\* OK \[CAPABILITY IMAP4rev1 .*AUTH=PLAIN\] mail1\.test /);
    other.close();
    expect(await c.command('CAPABILITY')).toMatch(
      /\* CAPABILITY IMAP4rev1 LITERAL\+ SASL-IR ID IDLE AUTH=PLAIN/,
    );
    expect(await c.command('ID ("name" "test")')).toContain('* ID ("name" "mail1.test" "vendor" "lvs7")');
  });

  it('refuses commands outside their state, unknown commands and bad syntax with BAD', async () => {
    expect(await c.command('SELECT INBOX')).toMatch(/A1 BAD .*Not logged in/);
    expect(await c.command('XYZZY')).toMatch(/A2 BAD .*Unknown command/);
    await login();
    expect(await c.command('FETCH 1 FLAGS')).toMatch(/BAD .*No mailbox selected/);
    expect(await c.command('LOGIN alice secret')).toMatch(/BAD/);
    expect(await c.command('STATUS INBOX')).toMatch(/BAD .*missing status items/);
    expect(await c.command('LIST "" (')).toMatch(/BAD .*missing "\)"/);
    c.write('NOTAG\r\n');
    expect(await c.line()).toMatch(/^\* BAD .*tag/);
  });

  it('answers a wrong password NO after the delay and closes after three', async () => {
    const start = Date.now();
    expect(await c.command('LOGIN alice wrong')).toMatch(
      /A1 NO \[AUTHENTICATIONFAILED\] Authentication failed/,
    );
    expect(Date.now() - start).toBeGreaterThanOrEqual(15);
    expect(await c.command('LOGIN nobody wrong')).toMatch(/NO \[AUTHENTICATIONFAILED\]/);
    expect(await c.command('LOGIN alice wrong')).toMatch(/A3 NO \[AUTHENTICATIONFAILED\]/);
    expect(await c.line()).toBe('* BYE Too many authentication failures.');
  });

  it('refuses disabled accounts and a directory that cannot answer', async () => {
    expect(await c.command('LOGIN carol secret')).toMatch(
      /NO \[AUTHORIZATIONFAILED\] account "carol@example.org" is disabled/,
    );
    t.directory.down = true;
    expect(await c.command('LOGIN alice secret')).toMatch(/NO \[UNAVAILABLE\]/);
  });

  it('authenticates with AUTHENTICATE PLAIN, inline (SASL-IR) or after +', async () => {
    const plain = Buffer.from('\0alice\0secret').toString('base64');
    expect(await c.command(`AUTHENTICATE PLAIN ${plain}`)).toMatch(/A1 OK .*Logged in/);
    const d = await RawClient.connect(t.imap);
    await d.line();
    d.write('x AUTHENTICATE PLAIN\r\n');
    expect(await d.line()).toBe('+ ');
    d.write(`${plain}\r\n`);
    expect(await d.line()).toMatch(/^x OK/);
    d.write('y LOGOUT\r\n');
    expect(await d.expect(/y OK.*\r\n/)).toContain('* BYE');
    const e = await RawClient.connect(t.imap);
    await e.line();
    e.write('z AUTHENTICATE PLAIN\r\n');
    await e.line();
    e.write('*\r\n');
    expect(await e.line()).toMatch(/^z BAD .*aborted/);
    e.close();
  });

  it('closes a connection sending an over-long line', async () => {
    c.write(`A1 LOGIN ${'x'.repeat(5000)}\r\n`);
    expect(await c.line()).toMatch(/^\* BYE Line too long/);
  });
});

describe('IMAP mailboxes', () => {
  beforeEach(() => login());

  it('creates, lists, subscribes, renames and deletes folders', async () => {
    expect(await c.command('CREATE Archive/2024')).toMatch(/OK/);
    expect(await c.command('CREATE Sent')).toMatch(/OK/);
    expect(await c.command('CREATE Sent')).toMatch(/NO \[ALREADYEXISTS\]/);
    expect(await c.command('CREATE bad.name')).toMatch(/NO \[CANNOT\]/);
    expect(await c.command('LIST "" "*"')).toBe(
      '* LIST (\\HasNoChildren) "/" INBOX\r\n' +
        '* LIST (\\Noselect \\HasChildren) "/" Archive\r\n' +
        '* LIST (\\HasNoChildren) "/" Archive/2024\r\n' +
        '* LIST (\\HasNoChildren) "/" Sent\r\nA6 OK List completed.\r\n',
    );
    expect(await c.command('LIST "" "%"')).not.toContain('Archive/2024');
    expect(await c.command('LIST "" ""')).toContain('* LIST (\\Noselect) "/" ""');
    expect(await c.command('LIST "" "inbox"')).toContain('"/" INBOX');
    await c.command('SUBSCRIBE Sent');
    await c.command('SUBSCRIBE Gone');
    expect(await c.command('LSUB "" "*"')).toBe(
      '* LSUB () "/" Sent\r\n* LSUB (\\Noselect) "/" Gone\r\nA12 OK Lsub completed.\r\n',
    );
    expect(await c.command('RENAME Sent "Sent Items"')).toMatch(/OK/);
    expect(await c.command('LIST "" "Sent*"')).toContain('"/" "Sent Items"');
    expect(await c.command('DELETE INBOX')).toMatch(/NO/);
    expect(await c.command('DELETE "Sent Items"')).toMatch(/OK/);
    expect(await c.command('SELECT "Sent Items"')).toMatch(/NO \[NONEXISTENT\]/);
    expect(await c.command('NAMESPACE')).toContain('* NAMESPACE (("" "/")) NIL NIL');
  });

  it('appends with a synchronizing literal, flags and date; STATUS counts it', async () => {
    const message = sampleMessage('appended');
    c.write(`A1 APPEND INBOX (\\Seen $Work) "05-Feb-2024 10:11:12 +0100" {${message.length}}\r\n`);
    expect(await c.line()).toMatch(/^\+ /);
    c.write(`${message}\r\n`);
    expect(await c.line()).toMatch(/^A1 OK \[APPENDUID \d+ 1\] Append completed/);
    expect(await c.command('STATUS INBOX (MESSAGES UNSEEN UIDNEXT RECENT)')).toContain(
      '* STATUS INBOX (MESSAGES 1 UNSEEN 0 UIDNEXT 2 RECENT 0)',
    );
    await c.command('SELECT INBOX');
    expect(await c.command('FETCH 1 (FLAGS INTERNALDATE RFC822.SIZE)')).toContain(
      `* 1 FETCH (FLAGS (\\Seen $Work) INTERNALDATE "05-Feb-2024 09:11:12 +0000" RFC822.SIZE ${message.length})`,
    );
  });

  it('appends with LITERAL+ and refuses oversized literals before they are sent', async () => {
    const message = sampleMessage('plus');
    c.write(`A1 APPEND INBOX {${message.length}+}\r\n${message}\r\n`);
    expect(await c.line()).toMatch(/^A1 OK \[APPENDUID/);
    c.write('A2 APPEND INBOX {200000}\r\n');
    expect(await c.line()).toMatch(/^A2 NO \[TOOBIG\]/);
    expect(await c.command('APPEND Missing {3+}\r\nabc')).toMatch(/NO \[TRYCREATE\]/);
  });

  it('limits literals before login', async () => {
    const d = await RawClient.connect(t.imap);
    await d.line();
    d.write('a LOGIN {9000}\r\n');
    expect(await d.line()).toMatch(/^a NO \[TOOBIG\]/);
    d.close();
  });

  it('keeps quota on APPEND', async () => {
    const d = await RawClient.connect(t.imap);
    await d.line();
    await login(d, 'bob');
    const big = sampleMessage('big', 'x'.repeat(3500));
    expect(await d.command(`APPEND INBOX {${big.length}+}\r\n${big}`)).toMatch(/NO \[OVERQUOTA\]/);
    d.close();
  });
});

describe('IMAP messages', () => {
  beforeEach(async () => {
    for (let i = 1; i <= 3; i++)
      await t.node.deliver('alice@example.org', sampleMessage(`message ${i}`, `body ${i}`));
    await login();
  });

  it('selects with counts, UIDVALIDITY and first unseen', async () => {
    const select = await c.command('SELECT INBOX');
    expect(select).toMatch(/\* FLAGS \(\\Answered \\Flagged \\Deleted \\Seen \\Draft\)/);
    expect(select).toMatch(/\* OK \[PERMANENTFLAGS \(.*\\\*\)\]/);
    expect(select).toContain('* 3 EXISTS\r\n* 3 RECENT\r\n* OK [UNSEEN 1]');
    expect(select).toMatch(/\* OK \[UIDVALIDITY \d+\][\s\S]*\* OK \[UIDNEXT 4\][\s\S]*A2 OK \[READ-WRITE\]/);
    // A second session: the messages are not \Recent any more.
    const d = await RawClient.connect(t.imap);
    await d.line();
    await login(d);
    expect(await d.command('EXAMINE INBOX')).toMatch(/\* 0 RECENT[\s\S]*OK \[READ-ONLY\]/);
    expect(await d.command('STORE 1 +FLAGS (\\Seen)')).toMatch(/NO \[READ-ONLY\]/);
    d.close();
  });

  it('fetches headers with PEEK and marks \\Seen on BODY[]', async () => {
    await c.command('SELECT INBOX');
    const peek = await c.command('FETCH 1:2 (UID BODY.PEEK[HEADER.FIELDS (Subject)])');
    expect(peek).toContain(
      '* 1 FETCH (UID 1 BODY[HEADER.FIELDS (SUBJECT)] {22}\r\nSubject: message 1\r\n\r\n)',
    );
    expect(await c.command('FETCH 1 FLAGS')).toContain('* 1 FETCH (FLAGS (\\Recent))');
    const body = await c.command('UID FETCH 2 (BODY[TEXT])');
    expect(body).toContain('* 2 FETCH (UID 2 BODY[TEXT] {8}\r\nbody 2\r\n FLAGS (\\Seen \\Recent))');
    expect(await c.command('FETCH 2 (BODY[]<0.4>)')).toContain('BODY[]<0> {4}\r\nRetu');
  });

  it('stores flags (+, -, replace, silent) and reports them', async () => {
    await c.command('SELECT INBOX');
    expect(await c.command('STORE 1:2 +FLAGS (\\Flagged)')).toContain(
      '* 1 FETCH (FLAGS (\\Flagged \\Recent))\r\n* 2 FETCH (FLAGS (\\Flagged \\Recent))',
    );
    expect(await c.command('UID STORE 2 -FLAGS.SILENT (\\Flagged)')).toMatch(/^A\d OK/);
    expect(await c.command('STORE 3 FLAGS (\\Deleted $Later)')).toContain(
      '* 3 FETCH (FLAGS (\\Deleted $Later \\Recent))',
    );
    expect(await c.command('UID STORE 3 +FLAGS \\Answered')).toContain(
      '(FLAGS (\\Answered \\Deleted $Later \\Recent) UID 3)',
    );
    expect(await c.command('STORE 1 +FLAGS (\\Bogus)')).toMatch(/BAD .*invalid system flag/);
  });

  it('searches by sequence number and UID', async () => {
    await c.command('SELECT INBOX');
    await c.command('STORE 2 +FLAGS (\\Seen)');
    expect(await c.command('SEARCH UNSEEN')).toContain('* SEARCH 1 3\r\n');
    expect(await c.command('UID SEARCH SUBJECT "message 3"')).toContain('* SEARCH 3\r\n');
    expect(await c.command('SEARCH CHARSET KOI8-R ALL')).toMatch(/NO \[BADCHARSET \(US-ASCII UTF-8\)\]/);
  });

  it('copies and moves with COPYUID, expunges with untagged EXPUNGE', async () => {
    await c.command('CREATE Archive');
    await c.command('SELECT INBOX');
    await c.command('STORE 1 +FLAGS (\\Flagged)');
    expect(await c.command('COPY 1:2 Archive')).toMatch(/OK \[COPYUID \d+ 1:2 1:2\]/);
    expect(await c.command('COPY 1 Nowhere')).toMatch(/NO \[TRYCREATE\]/);
    const move = await c.command('UID MOVE 3 Archive');
    expect(move).toMatch(/\* OK \[COPYUID \d+ 3 3\][\s\S]*\* 3 EXPUNGE\r\n[\s\S]*OK Move completed/);
    await c.command('STORE 1 +FLAGS (\\Deleted)');
    expect(await c.command('EXPUNGE')).toContain('* 1 EXPUNGE\r\n');
    expect(await c.command('STATUS Archive (MESSAGES)')).toContain('(MESSAGES 3)');
    await c.command('SELECT Archive');
    // Copies with flags go to cur/: only unflagged ones (from new/) are \Recent here.
    expect(await c.command('FETCH 1:* (UID FLAGS)')).toContain(
      '* 1 FETCH (UID 1 FLAGS (\\Flagged))\r\n* 2 FETCH (UID 2 FLAGS (\\Recent))',
    );
  });

  it('UID EXPUNGE removes only the given messages; CLOSE expunges silently', async () => {
    await c.command('SELECT INBOX');
    await c.command('STORE 1:3 +FLAGS (\\Deleted)');
    expect(await c.command('UID EXPUNGE 2')).toMatch(/^\* 2 EXPUNGE\r\nA\d OK/);
    expect(await c.command('CLOSE')).toMatch(/^A\d OK Close completed/);
    expect(await c.command('STATUS INBOX (MESSAGES)')).toContain('(MESSAGES 0)');
  });

  it('tells one session what another changed, holding EXPUNGE back during FETCH', async () => {
    await c.command('SELECT INBOX');
    const d = await RawClient.connect(t.imap);
    await d.line();
    await login(d);
    await d.command('SELECT INBOX');
    await d.command('STORE 1 +FLAGS (\\Deleted \\Seen)');
    await d.command('EXPUNGE');
    await t.node.deliver('alice@example.org', sampleMessage('message 4'));
    const fetch = await c.command('FETCH 1 (UID)');
    expect(fetch).not.toContain('* 1 EXPUNGE');
    expect(fetch).toMatch(/\* 4 EXISTS[\s\S]*OK \[EXPUNGEISSUED\]/);
    const noop = await c.command('NOOP');
    expect(noop).toContain('* 1 EXPUNGE\r\n');
    expect(await c.command('FETCH 1:* (UID)')).toContain('* 3 FETCH (UID 4)');
    d.close();
  });

  it('reports a delivery during IDLE at once, and ends IDLE on DONE', async () => {
    await c.command('SELECT INBOX');
    c.write('I1 IDLE\r\n');
    expect(await c.line()).toBe('+ idling');
    await t.node.deliver('alice@example.org', sampleMessage('while idle'));
    expect(await c.expect(/\* 4 EXISTS\r\n/, 2000)).toContain('* 4 EXISTS');
    c.write('DONE\r\n');
    expect(await c.expect(/I1 OK Idle completed\.\r\n/)).toBeTruthy();
  });

  it('logs out with BYE', async () => {
    expect(await c.command('LOGOUT')).toMatch(/\* BYE mail1\.test logging out\.\r\nA\d OK Logout completed/);
  });
});
