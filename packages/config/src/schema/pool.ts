import { z } from 'zod';
import { address, duration, intMin, intRange, name, nonEmpty, obj, percent, secret } from './common.js';

/** The scheduler used when a pool names none. */
export const DEFAULT_SCHEDULER = 'wlc';

export const SERVER_STATES = ['ready', 'drain', 'maint'] as const;
export const UPSTREAM_PROTOCOLS = ['http', 'smtp', 'lmtp', 'imap', 'pop3', 'icp', 'tcp'] as const;

export const serverSchema = obj({
  name: name().describe(
    "Unique in the pool; used by the admin API and metrics, and by mail pools to match the directory's host attribute.",
  ),
  address: address().describe('Where the server listens: `host:port`, `[ipv6]:port` or `hostname:port`.'),
  weight: intRange(0, 256)
    .default(1)
    .describe(
      'Share of new sessions relative to the other servers for weighted schedulers; 0 = no new sessions (sessions in flight and sticky clients stay).',
    ),
  backup: z
    .boolean()
    .default(false)
    .describe('A backup server takes sessions only while no primary (non-backup) server is eligible.'),
  maxConnections: intMin(1)
    .optional()
    .describe(
      "Most concurrent sessions sent to this server; further requests wait in the pool's queue. Default unlimited.",
    ),
  state: z
    .enum(SERVER_STATES)
    .default('ready')
    .describe(
      'Administrative state at start: `ready` takes traffic, `drain` finishes what it has and takes no new sessions, `maint` takes nothing. The admin API changes it at runtime.',
    ),
  icp: address()
    .optional()
    .describe(
      'The ICP port (`ip:port`, UDP) of a cache server, asked by routes with `icp` which cache holds an object.',
    ),
});

export const healthSchema = obj({
  check: z
    .string()
    .regex(/^[a-z0-9-]+$/, { error: 'expected a check name such as tcp or http' })
    .default('tcp')
    .describe(
      'The probe: `tcp` (connect), `http` (a request), `agent` (HAProxy agent-check), `smtp` and `lmtp` (greeting and EHLO/LHLO), `imap` and `pop3` (greeting, and a login with `user`), `icp` (a query). Each accepts only its own options below.',
    ),
  interval: duration({ positive: true })
    .default(2000)
    .describe('Time between checks of each server while its state is settled (HAProxy `inter`).'),
  timeout: duration({ positive: true })
    .default(1000)
    .describe('A check that has not passed after this long fails; keep it below `interval`.'),
  rise: intRange(1, 1000).default(2).describe('Consecutive passes that bring a down server back up.'),
  fall: intRange(1, 1000)
    .default(3)
    .describe(
      'Consecutive failures that take an up server down; a dead server is seen within about `fall × interval`.',
    ),
  fastInterval: duration({ positive: true })
    .optional()
    .describe(
      'Interval while a change is pending (after the first differing result, until `rise` or `fall` is reached); default `interval`.',
    ),
  downInterval: duration({ positive: true })
    .optional()
    .describe('Interval while a server is down; default `interval`.'),
  jitter: percent()
    .default(10)
    .describe(
      'Random spread (±) of every interval, so checks of many servers do not align; with jitter the first check also starts at a random point. 0 = none.',
    ),
  path: z
    .string()
    .regex(/^\/\S*$/, { error: 'expected a path starting with "/"' })
    .optional()
    .describe('`http` checks: the path (and query) requested; default `/`.'),
  method: z
    .string()
    .regex(/^[A-Z]+$/, { error: 'expected an upper-case HTTP method' })
    .optional()
    .describe('`http` checks: `GET` (the default) or `HEAD`.'),
  status: z
    .union([z.int(), z.string()], { error: 'expected status codes such as 200-399' })
    .transform(String)
    .refine((s) => /^\d{3}(-\d{3})?(\s*,\s*\d{3}(-\d{3})?)*$/.test(s), {
      error: 'expected status codes such as 200-399 or 200,204',
    })
    .optional()
    .describe(
      '`http` checks: the statuses that pass, as `200-399` (the default; redirects are not followed) or `200,204,300-399`.',
    ),
  body: z
    .string()
    .optional()
    .describe('`http` checks: text the first 64 KiB of the response body must contain.'),
  host: nonEmpty()
    .optional()
    .describe(
      "`http` checks: the Host header sent, default the server's `host:port`; `smtp`/`lmtp` checks: the EHLO/LHLO name, default `lvs7-health`.",
    ),
  port: intRange(1, 65535)
    .optional()
    .describe(
      "Check this port instead of the server's (HAProxy `check port`), e.g. a separate health endpoint.",
    ),
  user: nonEmpty()
    .optional()
    .describe(
      '`imap` and `pop3` checks: log in as this user after the greeting; without it only the greeting is checked.',
    ),
  password: secret().optional().describe('`imap` and `pop3` checks: the password of `user`.'),
});

export const outlierSchema = obj({
  consecutiveFailures: intRange(1, 1000)
    .default(5)
    .describe(
      'Consecutive failed HTTP requests (connect errors, resets, timeouts, 5xx responses) that eject a server.',
    ),
  baseEjectionTime: duration({ positive: true })
    .default(30_000)
    .describe(
      'How long the first ejection lasts; each further ejection of the same server lasts one more multiple of it, up to `maxEjectionTime`.',
    ),
  maxEjectionTime: duration({ positive: true })
    .default(300_000)
    .describe('The longest an ejection lasts, however often the server was ejected.'),
  maxEjectionPercent: percent()
    .default(10)
    .describe(
      "Ejecting is allowed only while fewer than this share of the pool's servers are ejected (so one always may be); 0 = never eject. A single-server pool is never ejected.",
    ),
});

export const poolTlsSchema = obj({
  enabled: z
    .boolean()
    .default(true)
    .describe('Speak TLS to the servers; `false` keeps the section but turns TLS off.'),
  ca: nonEmpty()
    .optional()
    .describe('CA bundle (PEM file) that server certificates are verified against; default the system CAs.'),
  serverName: nonEmpty()
    .optional()
    .describe("Name sent in SNI and expected in the server certificates; default each server's host."),
  verify: z
    .boolean()
    .default(true)
    .describe('Verify server certificates; `false` accepts any certificate (tests only).'),
});

/** Options of hashing schedulers; see `HASHING_ONLY_OPTIONS`. */
export const schedulerOptionsSchema = obj({
  balanceFactor: z
    .number()
    .min(1, { error: 'expected a number >= 1' })
    .optional()
    .describe(
      '`bounded`: no server takes more than ceil(average load × balanceFactor) sessions; the key moves on along the ring. Default 1.25.',
    ),
  fallback: z
    .boolean()
    .optional()
    .describe(
      '`sh`: when the hashed server is not eligible or full, pick another one instead of refusing (IPVS sh-fallback).',
    ),
  tableSize: intRange(7, 10_000_019)
    .refine(isPrime, { error: 'expected a prime number' })
    .optional()
    .describe(
      '`mh`: Maglev lookup table size, a prime well above the number of servers; larger spreads keys more evenly. Default 65537.',
    ),
  pointsPerWeight: intRange(1, 10_000)
    .optional()
    .describe('`ring` and `bounded`: points on the hash ring per unit of weight. Default 160.'),
  lblcrShrinkAfter: duration({ positive: true })
    .optional()
    .describe(
      "`lblcr`: a key's server set drops a server after the set has not changed for this long. Default 6m.",
    ),
});

/** Scheduler options that only hashing schedulers use. */
export const HASHING_ONLY_OPTIONS = Object.keys(schedulerOptionsSchema.shape);

export const poolSchema = obj({
  scheduler: z
    .string()
    .default(DEFAULT_SCHEDULER)
    .describe(
      "How a server is picked for each new session: an IPVS name (`rr wrr lc wlc sed nq lblc lblcr dh sh mh fo ovf`), `ring`, `bounded`, `carp`, `p2c`, `random`, or an alias such as `maglev`. Hashing ones hash the route's `key`.",
    ),
  schedulerOptions: schedulerOptionsSchema
    .optional()
    .describe(
      "Tuning of hashing schedulers; `lvs7 check` rejects them when the pool's scheduler does not hash.",
    ),
  slowStart: duration()
    .default(0)
    .describe(
      'A server that becomes eligible while others already are (back up, un-ejected, added) has its weight ramped up to full over this time, so cold caches are not flooded; 0 = off.',
    ),
  panicThreshold: percent()
    .default(0)
    .describe(
      "When fewer than this share of primary servers are healthy, spread over all servers not in drain or maint rather than overload the few healthy ones (Envoy's panic mode); 0 = off.",
    ),
  protocol: z
    .enum(UPSTREAM_PROTOCOLS)
    .optional()
    .describe(
      'What the servers speak. For pools of SMTP listeners it is how messages are handed over: `lmtp` by LMTP, anything else by SMTP; elsewhere it documents the pool.',
    ),
  tls: poolTlsSchema
    .optional()
    .describe(
      'Reserved for TLS towards the servers: accepted, but this build connects to servers without TLS.',
    ),
  sendProxy: z
    .enum(['v1', 'v2'])
    .optional()
    .describe(
      'Write a PROXY protocol header naming the client on every new connection to the servers, from every listener using the pool (HAProxy send-proxy / send-proxy-v2); health checks then send a LOCAL header first. HTTP keep-alive connections are reused only for the client connection that opened them.',
    ),
  maxQueue: intMin(0)
    .optional()
    .describe(
      'HTTP requests that may wait when every eligible server is at its `maxConnections`; beyond that they get 503 at once. Default 1000.',
    ),
  queueTimeout: duration({ positive: true })
    .optional()
    .describe('How long a queued HTTP request waits for a free server before it gets 503; default 5s.'),
  servers: z
    .array(serverSchema.describe('One server.'))
    .describe('The servers of the pool; list order breaks ties for `fo`.'),
  health: healthSchema
    .optional()
    .describe(
      'Active health checks; without them every server counts as healthy unless outlier detection ejects it.',
    ),
  outlier: outlierSchema
    .optional()
    .describe(
      'Passive outlier detection: eject servers that fail real HTTP requests; off without this section.',
    ),
});

function isPrime(n: number): boolean {
  if (n < 2) return false;
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
  return true;
}
