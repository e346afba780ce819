import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MULTIPART, runPython, sampleMessage, startTestNode, type TestNode } from './helpers.js';

let t: TestNode;
beforeAll(async () => {
  t = await startTestNode();
  await t.node.deliver('alice@example.org', MULTIPART);
  await t.node.deliver('alice@example.org', sampleMessage('python one', 'first body'));
  await t.node.deliver('alice@example.org', sampleMessage('python two', 'second body'));
});
afterAll(() => t.stop());

const IMAPLIB = String.raw`
import imaplib, json, sys, email
host, port = '127.0.0.1', int(sys.argv[1])
out = {}
m = imaplib.IMAP4(host, port)
out['welcome'] = m.welcome.decode()
out['login'] = m.login('alice', 'secret')[0]
out['caps'] = sorted(m.capabilities)
typ, boxes = m.list()
out['list'] = [b.decode() for b in boxes]
out['create'] = m.create('Python/Sub')[0]
typ, data = m.select('INBOX')
out['exists'] = int(data[0])
typ, data = m.search(None, 'SUBJECT', '"python two"')
out['search'] = data[0].decode()
typ, data = m.fetch('1', '(RFC822)')
msg = email.message_from_bytes(data[0][1])
out['subject'] = str(email.header.make_header(email.header.decode_header(msg['Subject'])))
out['parts'] = [p.get_content_type() for p in msg.walk()]
typ, data = m.uid('FETCH', '1:*', '(UID FLAGS)')
out['flags'] = [d.decode() for d in data]
out['store'] = m.store('2', '+FLAGS', r'(\Deleted)')[0]
typ, data = m.expunge()
out['expunged'] = [d.decode() for d in data if d]
typ, data = m.append('Python/Sub', r'(\Seen)', imaplib.Time2Internaldate(1700000000), b'From: py@example.org\r\nSubject: appended\r\n\r\nhi\r\n')
out['append'] = typ
out['status'] = m.status('Python/Sub', '(MESSAGES UNSEEN)')[1][0].decode()
out['logout'] = m.logout()[0]
print(json.dumps(out))
`;

const POPLIB = `
import poplib, json, sys
p = poplib.POP3('127.0.0.1', int(sys.argv[1]))
out = {'welcome': p.getwelcome().decode()}
out['capa'] = sorted(p.capa().keys())
p.user('alice')
out['pass'] = p.pass_('secret').decode()
out['stat'] = list(p.stat())
resp, listing, _ = p.list()
out['list'] = [l.decode() for l in listing]
resp, uidl, _ = p.uidl()
out['uidl'] = [l.decode() for l in uidl]
resp, lines, octets = p.retr(1)
out['retr_lines'] = len(lines)
out['retr_octets'] = octets
out['retr_subject'] = [l.decode() for l in lines if l.startswith(b'Subject:')][0]
resp, top, _ = p.top(2, 0)
out['top_last'] = top[-1].decode()
out['dele'] = p.dele(1).decode()
out['quit'] = p.quit().decode()
print(json.dumps(out))
`;

describe("Python's imaplib and poplib", () => {
  it('imaplib runs a full session', async () => {
    const out = await runPython<Record<string, unknown>>(IMAPLIB, [t.imap]);
    expect(out.welcome).toMatch(/mail1\.test/);
    expect(out.login).toBe('OK');
    expect(out.caps).toEqual(expect.arrayContaining(['IMAP4REV1', 'IDLE', 'AUTH=PLAIN', 'LITERAL+']));
    expect(out.list).toEqual(['(\\HasNoChildren) "/" INBOX']);
    expect(out.exists).toBe(3);
    expect(out.search).toBe('3');
    expect(out.subject).toBe('Grüße from the lab');
    expect(out.parts).toEqual([
      'multipart/mixed',
      'multipart/alternative',
      'text/plain',
      'text/html',
      'application/pdf',
    ]);
    expect(out.flags).toEqual([
      '1 (UID 1 FLAGS (\\Seen \\Recent))',
      '2 (UID 2 FLAGS (\\Recent))',
      '3 (UID 3 FLAGS (\\Recent))',
    ]);
    expect(out.expunged).toEqual(['2']);
    expect(out.append).toBe('OK');
    expect(out.status).toBe('Python/Sub (MESSAGES 1 UNSEEN 0)');
    expect(out.logout).toBe('BYE');
  });

  it('poplib runs a full session', async () => {
    const out = await runPython<Record<string, unknown>>(POPLIB, [t.pop3]);
    expect(out.welcome).toBe('+OK mail1.test POP3 ready.');
    expect(out.capa).toEqual(expect.arrayContaining(['TOP', 'UIDL', 'USER', 'SASL']));
    expect(out.pass).toBe('+OK Logged in.');
    const [count, size] = out.stat as [number, number];
    expect(count).toBe(2);
    expect((out.list as string[]).map((l) => Number(l.split(' ')[1])).reduce((a, b) => a + b)).toBe(size);
    expect(out.uidl).toEqual([
      expect.stringMatching(/^1 00000001[0-9a-f]{8}$/),
      expect.stringMatching(/^2 00000003[0-9a-f]{8}$/),
    ]);
    expect(out.retr_subject).toBe('Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= from the lab');
    expect(out.top_last).toBe('');
    expect(out.quit).toMatch(/^\+OK/);
  });
});
