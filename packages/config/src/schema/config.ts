import { z } from 'zod';
import { address, duration, intRange, name, nonEmpty, obj, oneOrMore, secret } from './common.js';
import { listenerSchema } from './listener.js';
import { poolSchema } from './pool.js';

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

/** State shared between lvs7 instances (provisional). */
export const stateSchema = obj({
  redis: z.string().regex(/^rediss?:\/\/\S+$/, { error: 'expected a redis:// or rediss:// URL' }),
  /** Instances with the same cluster name share state. */
  cluster: name().optional(),
});

/** An LDAP directory (provisional: other keys are accepted and kept). */
export const ldapDirectorySchema = z.looseObject({
  urls: oneOrMore(z.string().regex(/^ldaps?:\/\/\S+$/, { error: 'expected an ldap:// or ldaps:// URL' })),
  bindDN: nonEmpty().optional(),
  bindPassword: secret().optional(),
  baseDN: nonEmpty().optional(),
  filter: nonEmpty().optional(),
  hostAttribute: nonEmpty().optional(),
  cacheTtl: duration().optional(),
});

/** Exactly one of `ldap` and `file` (provisional). */
export const directorySchema = obj({
  ldap: ldapDirectorySchema.optional(),
  /** A file that maps users or domains to servers. */
  file: nonEmpty().optional(),
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
});
