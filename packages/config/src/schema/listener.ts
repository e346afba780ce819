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
import { routeSchema } from './route.js';

export const LISTENER_PROTOCOLS = ['http', 'smtp', 'imap', 'pop3', 'icp'] as const;
/** Listener protocols whose options are provisional (they come in later releases). */
export const OTHER_LISTENER_PROTOCOLS = ['smtp', 'imap', 'pop3', 'icp'] as const;
export const FORWARDED_MODES = ['xff', 'rfc7239', 'none'] as const;
export const ACCESS_LOG_MODES = ['off', 'sampled', 'full'] as const;

export const certificateSchema = obj({
  /** PEM certificate chain file. */
  cert: nonEmpty(),
  /** PEM private key file. */
  key: nonEmpty(),
});

const certificatesShape = {
  cert: nonEmpty().optional(),
  key: nonEmpty().optional(),
  /** Several certificates, chosen by SNI; the first is the default. */
  certificates: z.array(certificateSchema).min(1, { error: 'expected at least one certificate' }).optional(),
};

/** TLS termination: `cert` + `key`, and/or `certificates`. */
export const listenerTlsSchema = obj({
  ...certificatesShape,
  /** Offer HTTP/2 through ALPN. */
  http2: z.boolean().default(false),
});

/** TLS (or STARTTLS) of mail and ICP listeners. */
export const protocolTlsSchema = obj(certificatesShape);

export const httpListenerSchema = obj({
  name: name(),
  protocol: z.literal('http').default('http'),
  listen: address({ listen: true }),
  /** Expect a PROXY protocol (v1 or v2) header from the client side. */
  acceptProxy: z.boolean().default(false),
  tls: listenerTlsSchema.optional(),
  maxConnections: intMin(1).optional(),
  /** Clients in these CIDR blocks may set X-Forwarded-For / Forwarded. */
  trustedProxies: z.array(cidr()).default([]),
  /** How the client address is passed to servers. */
  forwarded: z.enum(FORWARDED_MODES).default('xff'),
  accessLog: z.enum(ACCESS_LOG_MODES).default('off'),
  timeouts: obj({
    /** To receive the complete request head. */
    clientHeader: duration({ positive: true }).default(10_000),
    /** Keep-alive idle time between requests. */
    clientIdle: duration({ positive: true }).default(60_000),
  }).prefault({}),
  limits: obj({
    /** Total size of the request head. */
    maxHeaderSize: size().default(16 * 1024),
    maxHeaders: intRange(1, 10_000).default(100),
    maxRequestLine: size().default(8 * 1024),
  }).prefault({}),
  /** What unmatched requests get: `{ status: 404 }` (the default) or `{ pool: name }`. */
  default: obj({
    status: intRange(100, 599).optional(),
    pool: name().optional(),
  }).default({ status: 404 }),
  /** Tried in order; the first match wins. */
  routes: z.array(routeSchema).default([]),
});

/** IMAP4 and POP3 distributors: each login goes to its mailbox's host. */
export const mailListenerSchema = obj({
  name: name(),
  protocol: z.enum(['imap', 'pop3']),
  listen: address({ listen: true }),
  /** The directory (see `directories`) users are looked up in. */
  directory: name(),
  /** The pool of backends (server names match the directory's host attribute). */
  pool: name(),
  tls: obj({
    ...certificatesShape,
    /** starttls: offered; required: login only after STARTTLS; implicit: TLS from the first byte. */
    mode: z.enum(['starttls', 'implicit', 'required']).default('starttls'),
  }).optional(),
  /** How lvs7 speaks to the backends. */
  backendTls: z.enum(['plain', 'starttls', 'implicit']).default('plain'),
  backendTlsVerify: z.boolean().default(true),
  backendCa: nonEmpty().optional(),
  limits: obj({
    maxLineLength: size().optional(),
    preAuthTimeout: duration({ positive: true }).optional(),
    maxBadCommands: intRange(1, 1000).optional(),
    maxConnections: intMin(0).optional(),
    maxConnectionsPerIp: intMin(0).optional(),
    authFailureDelay: duration().optional(),
  }).optional(),
  /** How long a user's placement is remembered after their last session (Dovecot director's user expiry). */
  placementTtl: duration({ positive: true }).optional(),
  /** IMAP: pass the client's address with ID ("x-originating-ip" …). */
  sendId: z.enum(['on', 'off']).default('on'),
  /** POP3: pass the client's address with XCLIENT. */
  xclient: z.enum(['on', 'off']).default('on'),
  /** Send a PROXY protocol header to the backends. */
  proxyProtocol: z.enum(['v1', 'v2']).optional(),
  backendTimeouts: obj({
    connect: duration({ positive: true }).optional(),
    reply: duration({ positive: true }).optional(),
  }).optional(),
  greeting: nonEmpty().optional(),
});

/** The SMTP distributor: each recipient goes to its mailbox's host. */
export const smtpListenerSchema = obj({
  name: name(),
  protocol: z.literal('smtp'),
  listen: address({ listen: true }),
  /** Our name in the greeting and EHLO; default the host name. */
  hostname: nonEmpty().optional(),
  directory: name(),
  /** The pool holding the mailboxes (its `protocol: smtp | lmtp` says how to talk to it). */
  pool: name(),
  /** Where authenticated clients' mail for other domains goes; without it nobody relays. */
  relayPool: name().optional(),
  /** The domains mail is accepted for. */
  domains: oneOrMore(
    z
      .string()
      .refine(isHostname, { error: 'expected a domain name' })
      .transform((d) => d.toLowerCase()),
  ),
  tls: obj({ ...certificatesShape, mode: z.enum(['starttls', 'implicit']).default('starttls') }).optional(),
  maxMessageSize: size().optional(),
  /** Authenticated submission (AUTH PLAIN/LOGIN against the directory, only after TLS unless requireTls: false). */
  auth: z
    .union([z.boolean(), obj({ directory: name().optional(), requireTls: z.boolean().default(true) })], {
      error: 'expected true, false or { directory, requireTls }',
    })
    .optional(),
  acceptProxy: z.boolean().default(false),
  maxConnections: intMin(1).optional(),
  limits: obj({
    maxRecipients: intRange(1, 100_000).optional(),
    maxLineLength: size().optional(),
    maxCommandsBeforeMail: intRange(1, 10_000).optional(),
    maxErrors: intRange(1, 1000).optional(),
    maxConnectionsPerIp: intMin(0).optional(),
    commandTimeout: duration({ positive: true }).optional(),
    dataTimeout: duration({ positive: true }).optional(),
  }).optional(),
  /** How the client is passed on: auto (XCLIENT, else XFORWARD), xclient, xforward or none. */
  clientInfo: z.enum(['auto', 'xclient', 'xforward', 'none']).default('auto'),
  /** Send a PROXY protocol header to the backends. */
  proxyProtocol: z.enum(['v1', 'v2']).optional(),
});

/** icp listeners; their options are refined in later releases. */
export const protocolListenerSchema = obj({
  name: name(),
  protocol: z.literal('icp'),
  listen: address({ listen: true }),
  acceptProxy: z.boolean().default(false),
  maxConnections: intMin(1).optional(),
  tls: protocolTlsSchema.optional(),
  /** A directory (see `directories`) that maps users or domains to servers. */
  directory: name().optional(),
  pool: name().optional(),
  relayPool: name().optional(),
  domains: oneOrMore(
    z
      .string()
      .refine(isHostname, { error: 'expected a domain name' })
      .transform((d) => d.toLowerCase()),
  ).optional(),
  maxMessageSize: size().optional(),
  auth: z.union([z.boolean(), z.looseObject({})], { error: 'expected true, false or a mapping' }).optional(),
});

export const listenerSchema = z.discriminatedUnion(
  'protocol',
  [httpListenerSchema, mailListenerSchema, smtpListenerSchema, protocolListenerSchema],
  {
    error: (iss) =>
      iss.code === 'invalid_union' ? `expected protocol ${LISTENER_PROTOCOLS.join(', ')}` : undefined,
  },
);
