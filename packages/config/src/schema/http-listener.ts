import { z } from 'zod';
import { address, cidr, duration, headerName, intMin, intRange, name, obj, size } from './common.js';
import { ACCESS_LOG_MODES, FORWARDED_MODES, listenerTlsSchema } from './listener-common.js';
import { routeSchema } from './route.js';

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
