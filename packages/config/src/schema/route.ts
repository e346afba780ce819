import { isIP } from 'node:net';
import { z } from 'zod';
import {
  cookieName,
  duration,
  headerName,
  intRange,
  isHostname,
  name,
  nonEmpty,
  obj,
  oneOrMore,
  regex,
  scalarString,
  urlPath,
} from './common.js';

/** `url | host | path | source | header:NAME | cookie:NAME | query:NAME`: what hashing schedulers hash. */
export const ROUTE_KEY_PATTERN =
  /^(?:url|host|path|source|(?:header|cookie):[!#$%&'*+.^_`|~0-9A-Za-z-]+|query:[^\s&=#]+)$/;

export const RETRY_CONDITIONS = ['connect-failure', 'reset', 'timeout'] as const;

/** `www.example.org` or `*.example.org` (any subdomain); lower-cased. */
function hostPattern() {
  return z
    .string()
    .refine((h) => isIP(h) !== 0 || isHostname(h.startsWith('*.') ? h.slice(2) : h), {
      error: 'expected a host name such as www.example.org or *.example.org',
    })
    .transform((h) => h.toLowerCase());
}

const MATCHER_MESSAGE = 'expected a value, { regex: ... } or { present: true|false }';

/** A header or query parameter condition: an exact value, a regular expression, or presence. */
const matcherSchema = z.union([scalarString(), obj({ regex: regex() }), obj({ present: z.boolean() })], {
  error: MATCHER_MESSAGE,
});

const headerEditsSchema = obj({
  set: z
    .record(headerName(), scalarString())
    .optional()
    .describe('Header fields to set, name → value; a field already present is replaced.'),
  remove: z.array(headerName()).optional().describe('Header fields to remove (names are case-insensitive).'),
});

const RETRY_MESSAGE = 'expected connect-failure, reset, timeout or an HTTP status from 400 to 599';
const retryOnSchema = z.union([z.enum(RETRY_CONDITIONS, { error: RETRY_MESSAGE }), intRange(400, 599)], {
  error: RETRY_MESSAGE,
});

export const routeSchema = obj({
  // Conditions: all given must match; a route with none matches every request.
  host: oneOrMore(hostPattern())
    .optional()
    .describe(
      'Host name or list of them the Host header must equal (case-insensitive, port ignored); `*.example.org` matches any subdomain.',
    ),
  pathPrefix: urlPath().optional().describe('The path must start with this, e.g. `/api/`.'),
  path: regex()
    .optional()
    .describe('A regular expression (JavaScript syntax) the path, without the query, must match.'),
  methods: z
    .array(z.string().regex(/^[A-Z]+$/, { error: 'expected an upper-case HTTP method' }))
    .min(1, { error: 'expected at least one method' })
    .optional()
    .describe('The request method must be one of these, e.g. `[GET, HEAD]`.'),
  headers: z
    .record(headerName(), matcherSchema)
    .optional()
    .describe(
      'Header field conditions, name → an exact value, `{ regex: ... }` or `{ present: true | false }`; all must hold.',
    ),
  query: z
    .record(nonEmpty(), matcherSchema)
    .optional()
    .describe('Query parameter conditions (decoded values), written like `headers`; all must hold.'),
  // Action.
  pool: name().describe('The pool that serves matching requests.'),
  key: z
    .string()
    .regex(ROUTE_KEY_PATTERN, {
      error: 'expected url, host, path, source, header:NAME, cookie:NAME or query:NAME',
    })
    .optional()
    .describe(
      'What hashing schedulers (`sh dh lblc lblcr mh ring bounded carp`) hash: `url`, `host`, `path`, `source` (client address), `header:NAME`, `cookie:NAME` or `query:NAME`. Default the client address.',
    ),
  sticky: obj({
    cookie: cookieName().describe('Name of the cookie lvs7 sets to remember the server.'),
    ttl: duration({ positive: true })
      .optional()
      .describe('Lifetime of the cookie; without it, a session cookie that lasts until the browser closes.'),
  })
    .optional()
    .describe(
      'Cookie persistence: a client that carries the cookie goes back to the same server while it is ready (drain keeps sticky clients too).',
    ),
  rewrite: obj({
    stripPrefix: urlPath()
      .optional()
      .describe('Removed from the start of the path before it is sent to the server.'),
    addPrefix: urlPath()
      .optional()
      .describe('Put in front of the path (after `stripPrefix`) before it is sent.'),
    host: nonEmpty().optional().describe("The Host header sent to the server instead of the client's."),
  })
    .optional()
    .describe('Changes to the request target and Host header on the way to the server.'),
  requestHeaders: headerEditsSchema
    .optional()
    .describe('Header edits on requests, before they go to the server.'),
  responseHeaders: headerEditsSchema
    .optional()
    .describe('Header edits on responses, before they go back to the client.'),
  timeouts: obj({
    connect: duration({ positive: true })
      .default(5000)
      .describe('Connecting to a server; a failed connect may be retried on another server.'),
    response: duration({ positive: true })
      .default(30_000)
      .describe('From the request sent to the response head received; then the client gets 504.'),
    idle: duration({ positive: true })
      .default(60_000)
      .describe('No byte in either direction while bodies stream (and in upgraded connections).'),
  })
    .prefault({})
    .describe('Timeouts towards the server.'),
  retries: obj({
    count: intRange(0, 10).default(1).describe('Further attempts, each on a server not tried yet; 0 = none.'),
    on: z
      .array(retryOnSchema)
      .min(1, { error: 'expected at least one condition' })
      .default(['connect-failure'])
      .describe(
        'When to retry: `connect-failure`, `reset`, `timeout` or a status (400-599). Only `connect-failure` retries non-idempotent methods (POST, PATCH), and a request whose body was already streamed to a server is never retried.',
      ),
  })
    .optional()
    .describe(
      'Retries on another server. Without this section: up to 2, on `connect-failure` and `reset`; with it, the defaults below.',
    ),
  icp: obj({
    timeout: duration({ positive: true })
      .default(50)
      .describe('How long to wait for ICP replies before choosing by the key alone.'),
  })
    .optional()
    .describe(
      "Ask the pool's caches over ICP (their servers' `icp` addresses) which one holds the URL, and prefer a HIT.",
    ),
});
