// What listeners of every protocol share: modes and TLS certificates.
import { z } from 'zod';
import { nonEmpty, obj } from './common.js';

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

export const certificatesShape = {
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
