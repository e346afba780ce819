import { z } from 'zod';
import { address, cidr, duration, intMin, intRange, name, nonEmpty, obj, size } from './common.js';
import { ACCESS_LOG_MODES, certificatesShape } from './listener-common.js';

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
