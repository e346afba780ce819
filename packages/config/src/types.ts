import type { z } from 'zod';
import type {
  adminSchema,
  configSchema,
  directorySchema,
  ldapDirectorySchema,
  logSchema,
  stateSchema,
} from './schema/config.js';
import type {
  certificateSchema,
  httpListenerSchema,
  listenerSchema,
  listenerTlsSchema,
  mailListenerSchema,
  protocolListenerSchema,
  protocolTlsSchema,
  smtpListenerSchema,
} from './schema/listener.js';
import type { cacheSchema, mailstoreSchema } from './schema/nodes.js';
import type {
  healthSchema,
  outlierSchema,
  poolSchema,
  poolTlsSchema,
  schedulerOptionsSchema,
  serverSchema,
} from './schema/pool.js';
import type { routeSchema } from './schema/route.js';
import type { siteSchema } from './schema/site.js';

/** Configuration objects are deep-frozen; their types say so. */
export type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

type Out<S extends z.ZodType> = DeepReadonly<z.output<S>>;

/** The whole configuration: defaults applied, durations in ms, sizes in bytes, percentages 0-100. */
export type Config = Out<typeof configSchema>;
/** What a configuration file may contain (before defaults and conversions). */
export type ConfigInput = z.input<typeof configSchema>;

export type AdminConfig = Out<typeof adminSchema>;
export type LogConfig = Out<typeof logSchema>;
export type LogLevel = LogConfig['level'];
export type StateConfig = Out<typeof stateSchema>;
export type DirectoryConfig = Out<typeof directorySchema>;
export type LdapDirectoryConfig = Out<typeof ldapDirectorySchema>;

export type PoolConfig = Out<typeof poolSchema>;
export type SchedulerOptionsConfig = Out<typeof schedulerOptionsSchema>;
export type PoolTlsConfig = Out<typeof poolTlsSchema>;
export type ServerConfig = Out<typeof serverSchema>;
export type ServerState = ServerConfig['state'];
export type UpstreamProtocol = NonNullable<PoolConfig['protocol']>;
export type HealthConfig = Out<typeof healthSchema>;
export type OutlierConfig = Out<typeof outlierSchema>;

export type ListenerConfig = Out<typeof listenerSchema>;
export type HttpListenerConfig = Out<typeof httpListenerSchema>;
/** smtp, imap, pop3 and icp listeners (provisional options). */
export type ProtocolListenerConfig = Out<typeof protocolListenerSchema>;
export type ListenerProtocol = ListenerConfig['protocol'];
export type ListenerTlsConfig = Out<typeof listenerTlsSchema>;
export type ProtocolTlsConfig = Out<typeof protocolTlsSchema>;
export type TlsCertificateConfig = Out<typeof certificateSchema>;
export type ListenerTimeoutsConfig = HttpListenerConfig['timeouts'];
export type ListenerLimitsConfig = HttpListenerConfig['limits'];
/** Exactly one of `status` and `pool`. */
export type DefaultActionConfig = HttpListenerConfig['default'];

export type RouteConfig = Out<typeof routeSchema>;
/** An exact value, `{ regex }` or `{ present }`. */
export type MatchConfig = NonNullable<RouteConfig['headers']>[string];
export type StickyConfig = NonNullable<RouteConfig['sticky']>;
export type RewriteConfig = NonNullable<RouteConfig['rewrite']>;
export type HeaderEditsConfig = NonNullable<RouteConfig['requestHeaders']>;
export type RouteTimeoutsConfig = RouteConfig['timeouts'];
export type RetriesConfig = NonNullable<RouteConfig['retries']>;
export type RetryCondition = RetriesConfig['on'][number];
export type IcpRouteConfig = NonNullable<RouteConfig['icp']>;

export type SiteConfig = Out<typeof siteSchema>;
export type MailstoreConfig = Out<typeof mailstoreSchema>;
export type CacheConfig = Out<typeof cacheSchema>;
/** imap and pop3 listeners. */
export type MailListenerConfig = Out<typeof mailListenerSchema>;
export type SmtpListenerConfig = Out<typeof smtpListenerSchema>;
