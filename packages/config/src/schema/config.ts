import { z } from 'zod';
import { address, duration, intRange, name, nonEmpty, obj, oneOrMore, secret } from './common.js';
import { listenerSchema } from './listener.js';
import { cacheSchema, mailstoreSchema } from './nodes.js';
import { poolSchema } from './pool.js';
import { siteSchema } from './site.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const DEFAULT_ADMIN_LISTEN = '127.0.0.1:9900';

export const adminSchema = obj({
  listen: address({ listen: true }).default(DEFAULT_ADMIN_LISTEN),
  /** Bearer token required by the admin API; none = no authentication. */
  token: secret().optional(),
});

export const logSchema = obj({
  level: z.enum(LOG_LEVELS).default('info'),
});

/** State shared between lvs7 instances through Redis. */
export const stateSchema = obj({
  /** redis://, rediss://, redis+sentinel://h:26379,h2/master or redis+cluster://h:6379,h2:6379 */
  redis: z.string().regex(/^(rediss?|redis\+sentinel|redis\+cluster):\/\/\S+$/, {
    error: 'expected a redis://, rediss://, redis+sentinel:// or redis+cluster:// URL',
  }),
  /** Instances with the same cluster name share state; keys are namespaced by it. */
  cluster: name().default('lvs7'),
  /** How health observations combine: local only, down if any instance sees it down, or a quorum. */
  health: z.enum(['local', 'any', 'quorum']).default('local'),
  /** Instances that must see a server down (quorum mode); default a majority. */
  quorum: intRange(1, 1000).optional(),
});

/** An LDAP directory: users looked up with `filter`, failover over `urls` in order. */
export const ldapDirectorySchema = obj({
  urls: oneOrMore(z.string().regex(/^ldaps?:\/\/\S+$/, { error: 'expected an ldap:// or ldaps:// URL' })),
  bindDN: nonEmpty().optional(),
  bindPassword: secret().optional(),
  baseDN: nonEmpty(),
  /** `{user}` (escaped per RFC 4515), `{local}` and `{domain}` are replaced. */
  filter: nonEmpty().optional(),
  /** The attribute naming the mailbox's host (mailHost in inetLocalMailRecipient and qmail-ldap). */
  hostAttribute: nonEmpty().optional(),
  /** Attributes to read (default: all user attributes). */
  attributes: z.array(nonEmpty()).optional(),
  cacheTtl: duration().optional(),
  negativeCacheTtl: duration().optional(),
  cacheSize: intRange(0, 10_000_000).optional(),
  timeout: duration({ positive: true }).optional(),
  /** How long a failed server is tried after the others. */
  retryInterval: duration().optional(),
});

export const fileDirectorySchema = obj({
  /** An LDIF file (relative paths are relative to the config file). */
  path: nonEmpty(),
  hostAttribute: nonEmpty().optional(),
  lookupAttributes: z.array(nonEmpty()).optional(),
});

/** Exactly one of `ldap` and `file`. */
export const directorySchema = obj({
  ldap: ldapDirectorySchema.optional(),
  /** An LDIF file: a path, or `{ path, hostAttribute, lookupAttributes }`. */
  file: z.union([nonEmpty(), fileDirectorySchema]).optional(),
}).refine((d) => (d.ldap === undefined) !== (d.file === undefined), {
  error: 'expected exactly one of ldap and file',
});

export const configSchema = obj({
  /** The admin API; absent = disabled. */
  admin: adminSchema.optional(),
  log: logSchema.prefault({}),
  pools: z.record(name(), poolSchema).default({}),
  listeners: z.array(listenerSchema).default([]),
  /** Worker processes. */
  workers: intRange(1, 1024).default(1),
  state: stateSchema.optional(),
  directories: z.record(name(), directorySchema).default({}),
  site: siteSchema.optional(),
  /** A mail node (`lvs7 mailstore`). */
  mailstore: mailstoreSchema.optional(),
  /** A cache node (`lvs7 cache`). */
  cache: cacheSchema.optional(),
});
