import { z } from 'zod';
import { address, duration, intMin, intRange, name, nonEmpty, obj, percent, secret } from './common.js';

/** The scheduler used when a pool names none. */
export const DEFAULT_SCHEDULER = 'wlc';

export const SERVER_STATES = ['ready', 'drain', 'maint'] as const;
export const UPSTREAM_PROTOCOLS = ['http', 'smtp', 'lmtp', 'imap', 'pop3', 'icp', 'tcp'] as const;

export const serverSchema = obj({
  name: name(),
  address: address(),
  /** 0 (takes no new sessions) to 256; default 1. */
  weight: intRange(0, 256).default(1),
  /** Used only when no non-backup server is eligible. */
  backup: z.boolean().default(false),
  maxConnections: intMin(1).optional(),
  /** Administrative state at start-up. */
  state: z.enum(SERVER_STATES).default('ready'),
  /** A cache server's ICP port (`ip:port`), for routes with `icp: { timeout }`. */
  icp: address().optional(),
});

export const healthSchema = obj({
  /** tcp, http, agent, smtp, lmtp, imap, pop3, icp, ...: the health-check runtime validates the name. */
  check: z
    .string()
    .regex(/^[a-z0-9-]+$/, { error: 'expected a check name such as tcp or http' })
    .default('tcp'),
  interval: duration({ positive: true }).default(2000),
  timeout: duration({ positive: true }).default(1000),
  /** Consecutive successes to mark a server up. */
  rise: intRange(1, 1000).default(2),
  /** Consecutive failures to mark a server down. */
  fall: intRange(1, 1000).default(3),
  /** Interval while a server is changing state (between the first result and rise/fall). */
  fastInterval: duration({ positive: true }).optional(),
  /** Interval while a server is down. */
  downInterval: duration({ positive: true }).optional(),
  /** Random spread of each interval, in percent. */
  jitter: percent().default(10),
  // Check-specific settings.
  path: z
    .string()
    .regex(/^\/\S*$/, { error: 'expected a path starting with "/"' })
    .optional(),
  method: z
    .string()
    .regex(/^[A-Z]+$/, { error: 'expected an upper-case HTTP method' })
    .optional(),
  /** Expected HTTP status codes, as `200-399` or `200,204,300-399`. */
  status: z
    .union([z.int(), z.string()], { error: 'expected status codes such as 200-399' })
    .transform(String)
    .refine((s) => /^\d{3}(-\d{3})?(\s*,\s*\d{3}(-\d{3})?)*$/.test(s), {
      error: 'expected status codes such as 200-399 or 200,204',
    })
    .optional(),
  /** Text the response must contain. */
  body: z.string().optional(),
  /** Host header / server name to send. */
  host: nonEmpty().optional(),
  /** Probe this port instead of the server's. */
  port: intRange(1, 65535).optional(),
  user: nonEmpty().optional(),
  password: secret().optional(),
});

export const outlierSchema = obj({
  /** Consecutive failed requests that eject a server. */
  consecutiveFailures: intRange(1, 1000).default(5),
  /** First ejection time; doubled on each re-ejection up to `maxEjectionTime`. */
  baseEjectionTime: duration({ positive: true }).default(30_000),
  maxEjectionTime: duration({ positive: true }).default(300_000),
  /** At most this share of a pool's servers is ejected at once. */
  maxEjectionPercent: percent().default(10),
});

export const poolTlsSchema = obj({
  enabled: z.boolean().default(true),
  /** CA bundle (PEM file) to verify servers with; default the system CAs. */
  ca: nonEmpty().optional(),
  /** SNI and certificate name to verify; default the server's host. */
  serverName: nonEmpty().optional(),
  verify: z.boolean().default(true),
});

/** Options of hashing schedulers; see `HASHING_ONLY_OPTIONS`. */
export const schedulerOptionsSchema = obj({
  /** Bounded-load hashing: max load = ceil(average * balanceFactor). */
  balanceFactor: z.number().min(1, { error: 'expected a number >= 1' }).optional(),
  /** `sh`: when the hashed server is ineligible, pick another instead of none. */
  fallback: z.boolean().optional(),
  /** `mh`: Maglev lookup table size, a prime. */
  tableSize: intRange(7, 10_000_019).refine(isPrime, { error: 'expected a prime number' }).optional(),
  /** `ring`: points per unit of weight. */
  pointsPerWeight: intRange(1, 10_000).optional(),
  /** `lblcr`: time after which an unchanged server set shrinks. */
  lblcrShrinkAfter: duration({ positive: true }).optional(),
});

/** Scheduler options that only hashing schedulers use. */
export const HASHING_ONLY_OPTIONS = Object.keys(schedulerOptionsSchema.shape);

export const poolSchema = obj({
  /** Any registered scheduler name or alias (checked against `schedulerNames()` of @lvs7/core). */
  scheduler: z.string().default(DEFAULT_SCHEDULER),
  schedulerOptions: schedulerOptionsSchema.optional(),
  /** Ramp a recovered server's weight up over this time; 0 = off. */
  slowStart: duration().default(0),
  /** Below this share of healthy servers, use all servers; 0 = off. */
  panicThreshold: percent().default(0),
  /** What the servers speak. */
  protocol: z.enum(UPSTREAM_PROTOCOLS).optional(),
  /** TLS to the servers. */
  tls: poolTlsSchema.optional(),
  /** Requests waiting for a server when all are at maxConnections. */
  maxQueue: intMin(0).optional(),
  queueTimeout: duration({ positive: true }).optional(),
  servers: z.array(serverSchema),
  health: healthSchema.optional(),
  outlier: outlierSchema.optional(),
});

function isPrime(n: number): boolean {
  if (n < 2) return false;
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
  return true;
}
