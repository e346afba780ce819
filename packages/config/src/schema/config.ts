import { z } from 'zod';
import { address, duration, intRange, name, nonEmpty, obj, oneOrMore, secret } from './common.js';
import { listenerSchema } from './listener.js';
import { cacheSchema, mailstoreSchema } from './nodes.js';
import { poolSchema } from './pool.js';
import { siteSchema } from './site.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const DEFAULT_ADMIN_LISTEN = '127.0.0.1:9900';

export const adminSchema = obj({
  listen: address({ listen: true })
    .default(DEFAULT_ADMIN_LISTEN)
    .describe(
      'Address of the admin API, the status page and /metrics. Keep it on loopback or a management network; a non-loopback address needs a token.',
    ),
  token: secret()
    .optional()
    .describe(
      'Bearer token every change must carry (`Authorization: Bearer <token>`; the CLI takes `--token` or LVS7_ADMIN_TOKEN); reads need none. Without it, anyone who reaches `listen` may make changes.',
    ),
});

export const logSchema = obj({
  level: z
    .enum(LOG_LEVELS)
    .default('info')
    .describe(
      'Least severe level written: `info` shows start, stop, reloads and state changes; `debug` and `trace` add detail; `silent` writes nothing. `lvs7 start --log-level` overrides it.',
    ),
});

/** State shared between lvs7 instances through Redis. */
export const stateSchema = obj({
  redis: z
    .string()
    .regex(/^(rediss?|redis\+sentinel|redis\+cluster):\/\/\S+$/, {
      error: 'expected a redis://, rediss://, redis+sentinel:// or redis+cluster:// URL',
    })
    .describe(
      'Where the state lives: `redis://[:password@]host:port`, `rediss://` (TLS), `redis+sentinel://h1:26379,h2:26379/MASTER` or `redis+cluster://h1:6379,h2:6379`. A password in the URL is never logged.',
    ),
  cluster: name()
    .default('lvs7')
    .describe(
      'Instances with the same cluster name share state; Redis keys are prefixed with it, so several clusters can use one Redis.',
    ),
  health: z
    .enum(['local', 'any', 'quorum'])
    .default('local')
    .describe(
      'How instances combine health checks: `local` trusts only its own checks, `any` marks a server down when any instance sees it down, `quorum` when `quorum` instances do.',
    ),
  quorum: intRange(1, 1000)
    .optional()
    .describe(
      'With `health: quorum`: how many instances must see a server down before all treat it as down; default a majority of the instances alive.',
    ),
});

export const ldapDirectorySchema = obj({
  urls: oneOrMore(
    z.string().regex(/^ldaps?:\/\/\S+$/, { error: 'expected an ldap:// or ldaps:// URL' }),
  ).describe(
    'LDAP servers, `ldap://` or `ldaps://`, one or a list: tried in order, a failed one is skipped for `retryInterval`.',
  ),
  bindDN: nonEmpty()
    .optional()
    .describe('DN lvs7 binds as before searching; without it, searches are anonymous.'),
  bindPassword: secret().optional().describe('Password of `bindDN`.'),
  baseDN: nonEmpty().describe('Where users are searched (the whole subtree below it).'),
  filter: nonEmpty()
    .optional()
    .describe(
      'RFC 4515 search filter; `{user}` (escaped), `{local}` and `{domain}` (the parts of an address) are replaced. Default `(|(mail={user})(uid={user})(mailLocalAddress={user}))`.',
    ),
  hostAttribute: nonEmpty()
    .optional()
    .describe(
      'Attribute naming the server that holds the mailbox (matched against pool server names); default `mailHost` (inetLocalMailRecipient, qmail-ldap).',
    ),
  attributes: z
    .array(nonEmpty())
    .optional()
    .describe('Attributes to read from each entry; default all user attributes.'),
  cacheTtl: duration().optional().describe('How long a found entry is answered from the cache; default 1m.'),
  negativeCacheTtl: duration().optional().describe('How long "no such user" is remembered; default 10s.'),
  cacheSize: intRange(0, 10_000_000)
    .optional()
    .describe('Entries kept in the cache (least recently used go first); default 10000.'),
  timeout: duration({ positive: true })
    .optional()
    .describe('Connect and search timeout per server, after which the next URL is tried; default 5s.'),
  retryInterval: duration()
    .optional()
    .describe('How long a server that failed is tried only after the others; default 30s.'),
});

export const fileDirectorySchema = obj({
  path: nonEmpty().describe('The LDIF file (RFC 2849); a relative path is relative to the config file.'),
  hostAttribute: nonEmpty()
    .optional()
    .describe('Attribute naming the server that holds the mailbox; default `mailHost`.'),
  lookupAttributes: z
    .array(nonEmpty())
    .optional()
    .describe('Attributes a user may be found by; default `mail`, `uid` and `mailLocalAddress`.'),
});

export const directorySchema = obj({
  ldap: ldapDirectorySchema
    .optional()
    .describe('An LDAP directory: users searched below `baseDN` with `filter`, failover over `urls`.'),
  file: z
    .union([nonEmpty(), fileDirectorySchema])
    .optional()
    .describe(
      'An LDIF file: its path, or `{ path, hostAttribute, lookupAttributes }`. For tests and small sites.',
    ),
})
  .refine((d) => (d.ldap === undefined) !== (d.file === undefined), {
    error: 'expected exactly one of ldap and file',
  })
  .describe('A directory, referred to by its name: exactly one of `ldap` and `file`.');

export const configSchema = obj({
  admin: adminSchema
    .optional()
    .describe('The admin API, status page and /metrics; without this section they are off.'),
  log: logSchema.prefault({}).describe('Logging of `lvs7 start` (JSON lines on standard error).'),
  pools: z
    .record(
      name(),
      poolSchema.describe('A pool, under its name (used by routes, listeners and the admin API).'),
    )
    .default({})
    .describe('Pools by name: sets of servers with a scheduler, health checks and outlier detection.'),
  listeners: z
    .array(listenerSchema)
    .default([])
    .describe('What lvs7 listens on; each listener has a unique `name` and a `protocol`.'),
  workers: z
    .union([intRange(1, 1024), z.literal('auto', { error: 'expected auto or an integer from 1 to 1024' })])
    .default('auto')
    .describe(
      'Worker processes that run the listeners (node:cluster); `auto` = one per CPU core, 1 = everything in one process. With more than one, this process is the primary: it runs the pools, health checks, admin API, site and nodes, and keeps the workers in step (a server seen down, an admin change or a sticky placement is the same in every worker). A worker that dies is replaced; SIGUSR2 restarts them one by one.',
    ),
  state: stateSchema
    .optional()
    .describe('State shared with other instances through Redis; without it, each instance keeps its own.'),
  directories: z
    .record(name(), directorySchema)
    .default({})
    .describe('Directories by name, where mail listeners and mail nodes look users up.'),
  site: siteSchema
    .optional()
    .describe(
      'This instance as one site of several serving one anycast address (BGP announcement, overflow).',
    ),
  mailstore: mailstoreSchema
    .optional()
    .describe(
      'A mail node on shared Maildir storage: what `lvs7 mailstore` runs (`lvs7 start` too, beside the listeners).',
    ),
  cache: cacheSchema
    .optional()
    .describe(
      'An HTTP cache node peering over ICP: what `lvs7 cache` runs (`lvs7 start` too, beside the listeners).',
    ),
});
