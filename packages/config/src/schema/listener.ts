import { z } from 'zod';
import { address, intMin, isHostname, name, obj, oneOrMore, size } from './common.js';
import { httpListenerSchema } from './http-listener.js';
import { LISTENER_PROTOCOLS, protocolTlsSchema } from './listener-common.js';
import { mailListenerSchema } from './mail-listener.js';
import { smtpListenerSchema } from './smtp-listener.js';

export * from './http-listener.js';
export * from './listener-common.js';
export * from './mail-listener.js';
export * from './smtp-listener.js';

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
