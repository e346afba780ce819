/** Sample messages (CRLF) for MIME, FETCH and SEARCH tests. */
const crlf = (lines: string[]) => lines.join('\r\n');

/** multipart/mixed: an alternative (text + html) and a base64 attachment. */
export const MULTIPART = crlf([
  'From: "Doe, John" <john@example.net>',
  'To: alice@example.org, Bob <bob@example.org>',
  'Cc: undisclosed-recipients:;',
  'Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= from the lab',
  'Date: Tue, 15 Nov 1994 08:12:31 +0100',
  'Message-ID: <multi@example.net>',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="outer"',
  '',
  'This is a preamble.',
  '--outer',
  'Content-Type: multipart/alternative; boundary=inner',
  '',
  '--inner',
  'Content-Type: text/plain; charset=utf-8',
  'Content-Transfer-Encoding: quoted-printable',
  '',
  'Caf=C3=A9 au lait, twice.',
  '--inner',
  'Content-Type: text/html; charset=utf-8',
  '',
  '<p>Caf\u00e9</p>',
  '--inner--',
  '--outer',
  'Content-Type: application/pdf; name="report.pdf"',
  'Content-Disposition: attachment; filename="report.pdf"',
  'Content-Transfer-Encoding: base64',
  'Content-ID: <part3@example.net>',
  '',
  'JVBERi0xLjQK',
  '--outer--',
  'epilogue',
  '',
]);

/** A message forwarding another as message/rfc822. */
export const FORWARD = crlf([
  'From: alice@example.org',
  'To: carol@example.com',
  'Subject: Fwd: hello',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary=b1',
  '',
  '--b1',
  'Content-Type: text/plain',
  '',
  'See below.',
  '--b1',
  'Content-Type: message/rfc822',
  '',
  'From: dave@example.com',
  'Subject: hello',
  'Content-Type: text/plain; charset=us-ascii',
  '',
  'Hi Alice,',
  'bye.',
  '--b1--',
  '',
]);

/** No MIME headers at all: text/plain us-ascii by default. */
export const PLAIN = crlf(['From: x@example.com', 'Subject: plain', '', 'line one', 'line two', '']);
