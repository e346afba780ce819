import { describe, expect, it } from 'vitest';
import { parseSection } from '../src/imap/fetch/fetch-items.js';
import { findPart, sectionData } from '../src/imap/fetch/sections.js';
import { writeBodyStructure, writeEnvelope } from '../src/imap/fetch/structure.js';
import { ImapOut } from '../src/imap/wire.js';
import { parseAddressList } from '../src/mime/addresses.js';
import { bodyText, decodedHeaders } from '../src/mime/body-text.js';
import { parseMime } from '../src/mime/mime-tree.js';
import { FORWARD, MULTIPART, PLAIN } from './fixtures.js';

function structure(message: string, extended = true): string {
  const data = Buffer.from(message);
  const out = new ImapOut();
  writeBodyStructure(out, parseMime(data), data, extended);
  return out.toBuffer().toString();
}

function section(message: string, spec: string): string {
  const data = Buffer.from(message);
  return sectionData(data, parseMime(data), parseSection(spec)).toString();
}

// Expected strings are what Dovecot 2.3 answers for the same messages
// (test/mailstore/dovecot-interop.test.ts compares the two servers live).
describe('BODYSTRUCTURE', () => {
  it('describes nested multiparts with attachments', () => {
    expect(structure(MULTIPART)).toBe(
      '((("text" "plain" ("charset" "utf-8") NIL NIL "quoted-printable" 25 0 NIL NIL NIL NIL)' +
        '("text" "html" ("charset" "utf-8") NIL NIL "7bit" 12 0 NIL NIL NIL NIL) "alternative" ("boundary" "inner") NIL NIL NIL)' +
        '("application" "pdf" ("name" "report.pdf") "<part3@example.net>" NIL "base64" 12 NIL ' +
        '("attachment" ("filename" "report.pdf")) NIL NIL) "mixed" ("boundary" "outer") NIL NIL NIL)',
    );
    expect(structure(MULTIPART, false)).toBe(
      '((("text" "plain" ("charset" "utf-8") NIL NIL "quoted-printable" 25 0)("text" "html" ("charset" "utf-8") NIL NIL "7bit" 12 0) "alternative")' +
        '("application" "pdf" ("name" "report.pdf") "<part3@example.net>" NIL "base64" 12) "mixed")',
    );
  });

  it('describes an encapsulated message with its envelope and structure', () => {
    expect(structure(FORWARD)).toBe(
      '(("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 10 0 NIL NIL NIL NIL)' +
        '("message" "rfc822" NIL NIL NIL "7bit" 101 (NIL "hello" ((NIL NIL "dave" "example.com")) ((NIL NIL "dave" "example.com")) ' +
        '((NIL NIL "dave" "example.com")) NIL NIL NIL NIL NIL) ("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 15 1 NIL NIL NIL NIL) 5 ' +
        'NIL NIL NIL NIL) "mixed" ("boundary" "b1") NIL NIL NIL)',
    );
  });

  it('defaults to text/plain us-ascii', () => {
    expect(structure(PLAIN)).toBe(
      '("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 20 2 NIL NIL NIL NIL)',
    );
  });

  it('re-encodes non-ASCII RFC 2231 parameters as encoded words', () => {
    const message = ["Content-Type: application/octet-stream; name*=utf-8''%C3%A4.bin", '', 'x'].join('\r\n');
    expect(structure(message)).toContain('("name" "=?UTF-8?B?w6QuYmlu?=")');
  });

  it('survives a multipart without parts or closing delimiter', () => {
    expect(structure('Content-Type: multipart/mixed; boundary=x\r\n\r\nno parts here\r\n')).toMatch(
      /^\(\("text" "plain"/,
    );
    const open = 'Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n\r\nbody\r\n';
    expect(parseMime(Buffer.from(open)).children).toHaveLength(1);
  });

  it('does not take --boundaryX for the boundary', () => {
    const m = 'Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n\r\n--xy is text\r\n--x--\r\n';
    expect(section(m, '1')).toBe('--xy is text');
  });
});

describe('ENVELOPE', () => {
  it('lists addresses, groups and defaults sender/reply-to to from', () => {
    const out = new ImapOut();
    writeEnvelope(out, parseMime(Buffer.from(MULTIPART)).headers);
    expect(out.toBuffer().toString()).toBe(
      '("Tue, 15 Nov 1994 08:12:31 +0100" "=?UTF-8?Q?Gr=C3=BC=C3=9Fe?= from the lab" ' +
        '(("Doe, John" NIL "john" "example.net")) (("Doe, John" NIL "john" "example.net")) (("Doe, John" NIL "john" "example.net")) ' +
        '((NIL NIL "alice" "example.org")("Bob" NIL "bob" "example.org")) ((NIL NIL "undisclosed-recipients" NIL)(NIL NIL NIL NIL)) ' +
        'NIL NIL "<multi@example.net>")',
    );
  });

  it('parses address forms seen in real mail', () => {
    expect(
      parseAddressList('a@b.c (Comment Name), "Q, Uoted" <q@x.y>, <@route:r@s.t>, team: x@y.z, w@v.u;'),
    ).toEqual([
      { name: 'Comment Name', mailbox: 'a', host: 'b.c' },
      { name: 'Q, Uoted', mailbox: 'q', host: 'x.y' },
      { name: undefined, mailbox: 'r', host: 's.t' },
      { name: undefined, mailbox: 'team', host: undefined },
      { name: undefined, mailbox: 'x', host: 'y.z' },
      { name: undefined, mailbox: 'w', host: 'v.u' },
      { name: undefined, mailbox: undefined, host: undefined },
    ]);
  });
});

describe('sections', () => {
  it('finds parts by number, inside encapsulated messages too', () => {
    const root = parseMime(Buffer.from(FORWARD));
    expect(findPart(root, [2])?.contentType.subtype).toBe('rfc822');
    expect(findPart(root, [2, 1])?.contentType).toMatchObject({ type: 'text', subtype: 'plain' });
    expect(findPart(root, [3])).toBeUndefined();
    expect(findPart(parseMime(Buffer.from(PLAIN)), [1])?.contentType.subtype).toBe('plain');
  });

  it('extracts HEADER, TEXT, MIME and part bodies', () => {
    expect(section(MULTIPART, '1.1')).toBe('Caf=C3=A9 au lait, twice.');
    expect(section(MULTIPART, '1.2.MIME')).toBe('Content-Type: text/html; charset=utf-8\r\n\r\n');
    expect(section(MULTIPART, '2')).toBe('JVBERi0xLjQK');
    expect(section(FORWARD, '2.HEADER')).toBe(
      'From: dave@example.com\r\nSubject: hello\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n',
    );
    expect(section(FORWARD, '2.TEXT')).toBe('Hi Alice,\r\nbye.');
    expect(section(PLAIN, 'TEXT')).toBe('line one\r\nline two\r\n');
    expect(section(PLAIN, 'HEADER.FIELDS (subject)')).toBe('Subject: plain\r\n\r\n');
    expect(section(PLAIN, 'HEADER.FIELDS.NOT (subject)')).toBe('From: x@example.com\r\n\r\n');
    expect(section(PLAIN, '4')).toBe('');
    expect(section(PLAIN, '1.HEADER')).toBe('');
  });
});

describe('text for SEARCH', () => {
  it('decodes encoded words, quoted-printable and charsets', () => {
    const data = Buffer.from(MULTIPART);
    const root = parseMime(data);
    expect(decodedHeaders(root.headers, 'subject')).toBe('Grüße from the lab');
    expect(bodyText(data, root)).toContain('Café au lait');
    expect(bodyText(data, root)).not.toContain('JVBERi'); // attachments are not text
  });
});
