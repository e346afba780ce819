import { z } from 'zod';
import {
  address,
  cidr,
  duration,
  headerName,
  intMin,
  intRange,
  isHostname,
  name,
  nonEmpty,
  obj,
  oneOrMore,
  size,
} from './common.js';
import { routeSchema } from './route.js';

export const LISTENER_PROTOCOLS = ['http', 'smtp', 'imap', 'pop3', 'icp'] as const;
/** Listener protocols whose options are provisional (they come in later releases). */
export const OTHER_LISTENER_PROTOCOLS = ['smtp', 'imap', 'pop3', 'icp'] as const;
export const FORWARDED_MODES = ['xff', 'rfc7239', 'none'] as const;
export const ACCESS_LOG_MODES = ['off', 'sampled', 'full'] as const;

export const certificateSchema = obj({
  cert: nonEmpty().describe(
    'PEM certificate chain file (leaf first); a relative path is relative to the config file.',
  ),
  key: nonEmpty().describe('PEM private key file of `cert`.'),
});

const certificatesShape = {
  cert: nonEmpty()
    .optional()
    .describe('PEM certificate chain file (leaf first); a relative path is relative to the config file.'),
  key: nonEmpty().optional().describe('PEM private key file of `cert`.'),
  certificates: z
    .array(certificateSchema.describe('One certificate: `cert` and its `key`.'))
    .min(1, { error: 'expected at least one certificate' })
    .optional()
    .describe(
      'Several certificates. HTTP listeners pick one by the name the client asks for (SNI), and serve other names with `cert` + `key`, else the first; mail and SMTP listeners use only `cert` + `key`, else the first.',
    ),
};

/** TLS termination: `cert` + `key`, and/or `certificates`. */
export const listenerTlsSchema = obj({
  ...certificatesShape,
  http2: z
    .boolean()
    .default(false)
    .describe('Offer HTTP/2 to clients through ALPN; servers are still spoken to in HTTP/1.1.'),
});

/** TLS (or STARTTLS) of mail and ICP listeners. */
export const protocolTlsSchema = obj(certificatesShape);

export const httpListenerSchema = obj({
  name: name().describe('Unique among listeners; names the listener in metrics, logs and the admin API.'),
  protocol: z.literal('http').default('http').describe('`http` (the default when `protocol` is left out).'),
  listen: address({ listen: true }).describe(
    'Address to listen on, `host:port` or `[ipv6]:port`; `0.0.0.0:80` = every IPv4 address.',
  ),
  acceptProxy: z
    .boolean()
    .default(false)
    .describe(
      'Expect a PROXY protocol v1 or v2 header (lvs7 behind another balancer) before anything else, TLS included; the client it names is the one routes, X-Forwarded-For, logs and sendProxy pools see.',
    ),
  acceptProxyFrom: z
    .array(cidr())
    .optional()
    .describe(
      'With acceptProxy: only peers in these CIDR blocks must send a PROXY header (and only theirs is believed); other peers are served as direct clients, so a header they send is refused as a protocol error. Default: every peer must send one.',
    ),
  tls: listenerTlsSchema
    .optional()
    .describe(
      'Terminate TLS (HTTPS): `cert` + `key` and/or `certificates`; without it the listener speaks plain HTTP.',
    ),
  maxConnections: intMin(1)
    .optional()
    .describe('Concurrent client connections; further ones are closed at once. Default 10000.'),
  trustedProxies: z
    .array(cidr())
    .default([])
    .describe(
      'Addresses or CIDR blocks of proxies in front of lvs7: their X-Forwarded-For / Forwarded is kept and extended; from other clients it is replaced.',
    ),
  forwarded: z
    .enum(FORWARDED_MODES)
    .default('xff')
    .describe(
      'How servers learn the client: `xff` (X-Forwarded-For and X-Forwarded-Proto), `rfc7239` (Forwarded) or `none`.',
    ),
  accessLog: z
    .enum(ACCESS_LOG_MODES)
    .default('off')
    .describe(
      'Access log lines at info level: `off` (requests are only counted), `sampled` (1 request in 100) or `full`.',
    ),
  requestId: obj({
    enabled: z.boolean().default(true).describe('Give every request an id; on by default.'),
    header: headerName()
      .default('X-Request-Id')
      .describe('The request field that carries the id to the servers (and back on the response).'),
    trustIncoming: z
      .boolean()
      .default(false)
      .describe(
        'Keep a well-formed id (visible ASCII, at most 128 characters) received from any client; by default only ids from trustedProxies are kept, others are replaced by a generated one.',
      ),
    response: z.boolean().default(true).describe('Return the id to the client in the same response field.'),
  })
    .prefault({})
    .describe(
      'Request ids as nginx $request_id / HAProxy unique-id-header: sent to the server, returned to the client, written in the access log line.',
    ),
  timeouts: obj({
    clientHeader: duration({ positive: true })
      .default(10_000)
      .describe(
        'The whole request head must arrive within this (and a PROXY header, with acceptProxy); else 408 and the connection closes. Stops slowloris.',
      ),
    clientIdle: duration({ positive: true })
      .default(60_000)
      .describe('A keep-alive connection with no request in progress is closed after this.'),
  })
    .prefault({})
    .describe('Timeouts towards clients; timeouts towards servers are set per route.'),
  limits: obj({
    maxHeaderSize: size()
      .default(16 * 1024)
      .describe('Size of the header section (request line excluded); a larger one gets 431.'),
    maxHeaders: intRange(1, 10_000).default(100).describe('Header fields in a request; more get 431.'),
    maxRequestLine: size()
      .default(8 * 1024)
      .describe('Size of the request line (method, target, version); longer gets 414.'),
  })
    .prefault({})
    .describe('Limits on request heads, checked before anything is routed.'),
  default: obj({
    status: intRange(100, 599).optional().describe('Answer unmatched requests with this status.'),
    pool: name().optional().describe('Send unmatched requests to this pool (wins over `status`).'),
  })
    .default({ status: 404 })
    .describe('What requests no route matches get: `{ status: 404 }` (the default) or `{ pool: NAME }`.'),
  routes: z
    .array(routeSchema.describe('One route: conditions, and what to do with the requests that match them.'))
    .default([])
    .describe('Routing rules, tried in order; the first whose conditions all match takes the request.'),
});

/** IMAP4 and POP3 distributors: each login goes to its mailbox's host. */
export const mailListenerSchema = obj({
  name: name().describe('Unique among listeners; names the listener in metrics, logs and the admin API.'),
  protocol: z.enum(['imap', 'pop3']).describe('`imap` (IMAP4rev1) or `pop3`.'),
  listen: address({ listen: true }).describe(
    'Address to listen on, e.g. `0.0.0.0:143` (IMAP) or `0.0.0.0:110` (POP3).',
  ),
  directory: name().describe('The directory (see `directories`) users are looked up in at login.'),
  pool: name().describe(
    "The pool of mail servers; a user goes to the server whose name equals their entry's host attribute, else to one chosen by a consistent hash of the user.",
  ),
  tls: obj({
    ...certificatesShape,
    mode: z
      .enum(['starttls', 'implicit', 'required'])
      .default('starttls')
      .describe(
        '`starttls`: STARTTLS/STLS offered; `required`: offered, and no login before it; `implicit`: TLS from the first byte (ports 993, 995).',
      ),
  })
    .optional()
    .describe('TLS towards clients; without it, no STARTTLS is offered and logins travel in clear text.'),
  backendTls: z
    .enum(['plain', 'starttls', 'implicit'])
    .default('plain')
    .describe(
      'How lvs7 connects to the mail servers: in clear, upgraded with STARTTLS/STLS, or TLS from the first byte.',
    ),
  backendTlsVerify: z
    .boolean()
    .default(true)
    .describe("Verify the mail servers' certificates (against `backendCa`, else the system CAs)."),
  backendCa: nonEmpty()
    .optional()
    .describe(
      "CA bundle (PEM file) the mail servers' certificates are verified against; default the system CAs.",
    ),
  limits: obj({
    maxLineLength: size()
      .optional()
      .describe(
        'Longest command line (literals included for IMAP) before login; longer is refused. Default 8KiB.',
      ),
    preAuthTimeout: duration({ positive: true })
      .optional()
      .describe('A client that has not logged in within this is disconnected. Default 1m.'),
    maxBadCommands: intRange(1, 1000)
      .optional()
      .describe(
        'Unknown or malformed commands before login after which the client is disconnected. Default 10.',
      ),
    maxConnections: intMin(0)
      .optional()
      .describe('Concurrent client connections; further ones are refused. Default 10000, 0 = unlimited.'),
    maxConnectionsPerIp: intMin(0)
      .optional()
      .describe(
        'Concurrent connections from one client address; further ones are refused. Default 100, 0 = unlimited.',
      ),
    authFailureDelay: duration()
      .optional()
      .describe(
        'Delay before answering a failed login, doubled for each recent failure of the same address or user (up to 8×); 0 = none. Default 2s.',
      ),
  })
    .optional()
    .describe('Guards against misbehaving clients, applied before a session reaches a mail server.'),
  placementTtl: duration({ positive: true })
    .optional()
    .describe(
      "How long a user stays on the server chosen for them after their last session ends (Dovecot director's user expiry), so all their sessions meet on one server. Default 15m.",
    ),
  sendId: z
    .enum(['on', 'off'])
    .default('on')
    .describe(
      "IMAP: pass the client's address to the server with ID (`x-originating-ip` …); the server must trust lvs7 (Dovecot `login_trusted_networks`).",
    ),
  xclient: z
    .enum(['on', 'off'])
    .default('on')
    .describe("POP3: pass the client's address to the server with XCLIENT; the server must trust lvs7."),
  acceptProxy: z
    .boolean()
    .default(false)
    .describe(
      'Expect a PROXY protocol v1 or v2 header first (before implicit TLS and the greeting): per-IP limits, ID x-originating-ip, XCLIENT, logs and sendProxy pools use the client it names.',
    ),
  acceptProxyFrom: z
    .array(cidr())
    .optional()
    .describe(
      'With acceptProxy: only peers in these CIDR blocks must send a PROXY header (and only theirs is believed); other peers are served as direct clients, so a header they send is refused as a protocol error. Default: every peer must send one.',
    ),
  proxyProtocol: z
    .enum(['v1', 'v2'])
    .optional()
    .describe("Deprecated: set the pool's sendProxy instead (which also makes its health checks send one)."),
  backendTimeouts: obj({
    connect: duration({ positive: true })
      .optional()
      .describe('Connecting to a mail server and receiving its greeting. Default 5s.'),
    reply: duration({ positive: true })
      .optional()
      .describe("Waiting for a mail server's reply while lvs7 logs the user in. Default 30s."),
  })
    .optional()
    .describe('Timeouts towards the mail servers, until the session is handed over.'),
  greeting: nonEmpty()
    .optional()
    .describe('Text of the greeting clients see before login (one line). Default `lvs7 ready.`'),
  accessLog: z
    .enum(ACCESS_LOG_MODES)
    .default('off')
    .describe(
      'One info log line per session when it ends (client, user, backend server, result, bytes, duration, session id): off, sampled (1 session in 100) or full.',
    ),
});

/** The SMTP distributor: each recipient goes to its mailbox's host. */
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

const RESERVED = 'Reserved: accepted, but this build starts no ICP listener.';

/** icp listeners: reserved (ICP is served by cache nodes); their options are refined in later releases. */
export const protocolListenerSchema = obj({
  name: name().describe('Unique among listeners.'),
  protocol: z.literal('icp').describe('`icp`.'),
  listen: address({ listen: true }).describe(`Address to listen on. ${RESERVED}`),
  acceptProxy: z.boolean().default(false).describe(RESERVED),
  maxConnections: intMin(1).optional().describe(RESERVED),
  tls: protocolTlsSchema.optional().describe(RESERVED),
  directory: name().optional().describe(RESERVED),
  pool: name().optional().describe(RESERVED),
  relayPool: name().optional().describe(RESERVED),
  domains: oneOrMore(
    z
      .string()
      .refine(isHostname, { error: 'expected a domain name' })
      .transform((d) => d.toLowerCase()),
  )
    .optional()
    .describe(RESERVED),
  maxMessageSize: size().optional().describe(RESERVED),
  auth: z
    .union([z.boolean(), z.looseObject({})], { error: 'expected true, false or a mapping' })
    .optional()
    .describe(RESERVED),
});

export const listenerSchema = z.discriminatedUnion(
  'protocol',
  [
    httpListenerSchema.describe('An HTTP reverse proxy listener (`protocol: http`, the default).'),
    mailListenerSchema.describe(
      'An IMAP4 or POP3 distributor: each login goes to the server holding the mailbox.',
    ),
    smtpListenerSchema.describe(
      'An SMTP distributor: each recipient goes to the server holding the mailbox.',
    ),
    protocolListenerSchema.describe('Reserved: an ICP listener (this build starts none).'),
  ],
  {
    error: (iss) =>
      iss.code === 'invalid_union' ? `expected protocol ${LISTENER_PROTOCOLS.join(', ')}` : undefined,
  },
);
