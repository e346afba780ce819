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
  /** Set (replace) these headers. */
  set: z.record(headerName(), scalarString()).optional(),
  /** Remove these headers. */
  remove: z.array(headerName()).optional(),
});

const RETRY_MESSAGE = 'expected connect-failure, reset, timeout or an HTTP status from 400 to 599';
const retryOnSchema = z.union([z.enum(RETRY_CONDITIONS, { error: RETRY_MESSAGE }), intRange(400, 599)], {
  error: RETRY_MESSAGE,
});

export const routeSchema = obj({
  // Conditions: all given must match; a route with none matches every request.
  /** Host name(s), `*.example.org` for any subdomain. */
  host: oneOrMore(hostPattern()).optional(),
  pathPrefix: urlPath().optional(),
  /** Regular expression on the path (JavaScript syntax). */
  path: regex().optional(),
  methods: z
    .array(z.string().regex(/^[A-Z]+$/, { error: 'expected an upper-case HTTP method' }))
    .min(1, { error: 'expected at least one method' })
    .optional(),
  headers: z.record(headerName(), matcherSchema).optional(),
  query: z.record(nonEmpty(), matcherSchema).optional(),
  // Action.
  /** The pool that serves matching requests. */
  pool: name(),
  /** What hashing schedulers hash; default the client address. */
  key: z
    .string()
    .regex(ROUTE_KEY_PATTERN, {
      error: 'expected url, host, path, source, header:NAME, cookie:NAME or query:NAME',
    })
    .optional(),
  /** Cookie-based persistence: the cookie holds the chosen server. */
  sticky: obj({ cookie: cookieName(), ttl: duration({ positive: true }).optional() }).optional(),
  rewrite: obj({
    stripPrefix: urlPath().optional(),
    addPrefix: urlPath().optional(),
    /** Host header sent to servers. */
    host: nonEmpty().optional(),
  }).optional(),
  requestHeaders: headerEditsSchema.optional(),
  responseHeaders: headerEditsSchema.optional(),
  timeouts: obj({
    /** Connecting to a server. */
    connect: duration({ positive: true }).default(5000),
    /** From request sent to response headers received. */
    response: duration({ positive: true }).default(30_000),
    /** Inactivity on either side once the response has started. */
    idle: duration({ positive: true }).default(60_000),
  }).prefault({}),
  retries: obj({
    count: intRange(0, 10).default(1),
    on: z
      .array(retryOnSchema)
      .min(1, { error: 'expected at least one condition' })
      .default(['connect-failure']),
  }).optional(),
  /** Ask the pool's caches over ICP which one has the object before choosing. */
  icp: obj({ timeout: duration({ positive: true }).default(50) }).optional(),
});
