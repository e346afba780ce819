import { z } from 'zod';
import {
  address,
  cidr,
  duration,
  intMin,
  intRange,
  isHostname,
  name,
  nonEmpty,
  obj,
  oneOrMore,
  size,
} from './common.js';
import { ACCESS_LOG_MODES, certificatesShape } from './listener-common.js';

export const smtpListenerSchema = obj({
  name: name().describe('Unique among listeners; names the listener in metrics, logs and the admin API.'),
  protocol: z.literal('smtp').describe('`smtp`.'),
  listen: address({ listen: true }).describe(
    'Address to listen on, e.g. `0.0.0.0:25` for MX, port 587 (STARTTLS) or 465 (implicit TLS) for submission.',
  ),
  hostname: nonEmpty()
    .optional()
    .describe(
      "Our name in the greeting and in EHLO towards clients and servers; default the machine's host name.",
    ),
  directory: name().describe(
    'The directory (see `directories`) every recipient is looked up in; unknown ones get 550.',
  ),
  pool: name().describe(
    "The pool of servers holding the mailboxes; each recipient goes to the server named by its entry's host attribute. The pool's `protocol: lmtp` makes lvs7 deliver by LMTP.",
  ),
  relayPool: name()
    .optional()
    .describe("Where authenticated clients' mail for other domains goes; without it nobody may relay."),
  domains: oneOrMore(
    z
      .string()
      .refine(isHostname, { error: 'expected a domain name' })
      .transform((d) => d.toLowerCase()),
  ).describe(
    'The domains mail is accepted for (exact, case-insensitive); other recipients need an authenticated client and `relayPool`.',
  ),
  tls: obj({
    ...certificatesShape,
    mode: z
      .enum(['starttls', 'implicit'])
      .default('starttls')
      .describe('`starttls`: offered after EHLO; `implicit`: TLS from the first byte (port 465).'),
  })
    .optional()
    .describe('TLS towards clients; without it no STARTTLS is offered.'),
  maxMessageSize: size()
    .optional()
    .describe('Largest message accepted, advertised in EHLO SIZE; larger ones get 552. Default 25MiB.'),
  auth: z
    .union(
      [
        z.boolean(),
        obj({
          directory: name()
            .optional()
            .describe("The directory passwords are checked against; default the listener's `directory`."),
          requireTls: z.boolean().default(true).describe('Offer AUTH only once the connection is encrypted.'),
        }),
      ],
      {
        error: 'expected true, false or { directory, requireTls }',
      },
    )
    .optional()
    .describe(
      'SMTP AUTH (PLAIN, LOGIN) against the directory, for submission: `true` or `{ directory, requireTls }`. Absent or `false`: no AUTH.',
    ),
  acceptProxy: z
    .boolean()
    .default(false)
    .describe(
      'Expect a PROXY protocol v1 or v2 header first (before implicit TLS and the greeting): per-IP limits, XCLIENT / XFORWARD, logs and sendProxy pools use the client it names.',
    ),
  acceptProxyFrom: z
    .array(cidr())
    .optional()
    .describe(
      'With acceptProxy: only peers in these CIDR blocks must send a PROXY header (and only theirs is believed); other peers are served as direct clients, so a header they send is refused as a protocol error. Default: every peer must send one.',
    ),
  maxConnections: intMin(1)
    .optional()
    .describe('Concurrent client connections; further ones get 421 at once. Default 10000.'),
  limits: obj({
    maxRecipients: intRange(1, 100_000)
      .optional()
      .describe("Recipients per message; more get 452. Default 100 (RFC 5321's minimum)."),
    maxLineLength: size()
      .optional()
      .describe('Longest command line; longer ones get 500. Default 2048 bytes (as Postfix).'),
    maxCommandsBeforeMail: intRange(1, 10_000)
      .optional()
      .describe(
        'Commands (HELO, NOOP, RSET, VRFY …) before a MAIL FROM in one transaction; more get 421. Default 50.',
      ),
    maxErrors: intRange(1, 1000)
      .optional()
      .describe('Refused commands in one session before 421 and disconnect. Default 10.'),
    maxConnectionsPerIp: intMin(0)
      .optional()
      .describe(
        'Concurrent connections from one client address; more get 421 at once. Default 50, 0 = unlimited.',
      ),
    commandTimeout: duration({ positive: true })
      .optional()
      .describe('How long a client may stay silent between commands. Default 5m (RFC 5321).'),
    dataTimeout: duration({ positive: true })
      .optional()
      .describe('How long a client may stay silent in the middle of a message. Default 3m.'),
  })
    .optional()
    .describe('Guards against misbehaving clients.'),
  clientInfo: z
    .enum(['auto', 'xclient', 'xforward', 'none'])
    .default('auto')
    .describe(
      "How the client's address and name are passed to the servers: `auto` (XCLIENT when offered, else XFORWARD), `xclient`, `xforward` or `none`. The servers must trust lvs7 (Postfix `smtpd_authorized_xclient_hosts`).",
    ),
  accessLog: z
    .enum(ACCESS_LOG_MODES)
    .default('off')
    .describe(
      'Info log lines: one per message (sender, recipient count, size, result) and one per session when it ends; off, sampled (1 session in 100) or full.',
    ),
  proxyProtocol: z
    .enum(['v1', 'v2'])
    .optional()
    .describe(
      "Deprecated: set the pools' sendProxy instead (which also makes their health checks send one).",
    ),
});
