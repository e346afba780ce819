/**
 * Typed options of an SMTP listener, the shape the config package produces
 * (durations in ms, sizes in bytes), and their defaults. Validated once by
 * `resolveSmtpListenerOptions` (resolve-options.ts), then frozen.
 */
import type { HostPort, Pool, StateStore } from '@lvs7/core';
import type { Directory } from '@lvs7/directory';
import type { Logger } from 'pino';
import type { BackendProtocol } from './backend/backend-connection.js';
import type { ClientInfoMode } from './backend/client-info.js';
import type { AccessLogMode } from './server/access-log.js';

export interface SmtpLimits {
  /** Recipients per message; more get 452 4.5.3. Default 100 (RFC 5321's minimum). */
  readonly maxRecipients: number;
  /** Longest command line in bytes; longer ones get 500 5.5.2. Default 2048 (Postfix's line_length_limit). */
  readonly maxLineLength: number;
  /** Commands (HELO, NOOP, RSET, VRFY, …) before a MAIL, per transaction; more → 421. 0 = unlimited; default 50. */
  readonly maxCommandsBeforeMail: number;
  /** Refused commands (4xx/5xx) in one session before 421 and disconnect; default 10. */
  readonly maxErrors: number;
  /** Client connections of the listener; more get 421 at once. Default 10 000. */
  readonly maxConnections: number;
  /** Client connections from one address; more get 421 at once. 0 = unlimited; default 50. */
  readonly maxConnectionsPerIp: number;
  /** ms a client may stay silent between commands; default 300 000 (RFC 5321 §4.5.3.2.7). */
  readonly commandTimeout: number;
  /** ms a client may stay silent in the middle of a message; default 180 000. */
  readonly dataTimeout: number;
  /** ms to receive the PROXY header when `acceptProxy` is set; default 5 000. */
  readonly proxyHeaderTimeout: number;
}

/** How the servers of a pool are spoken to. */
export interface SmtpBackendOptions {
  /** Default `smtp`; `lmtp` reads one final reply per recipient. */
  readonly protocol?: BackendProtocol | undefined;
  /** XCLIENT / XFORWARD; default `auto` (XCLIENT when offered, else XFORWARD when offered). */
  readonly clientInfo?: ClientInfoMode | undefined;
  /** Send a PROXY protocol header first (connections are then never reused). */
  readonly proxyProtocol?: 'v1' | 'v2' | undefined;
  /** ms for the TCP connect and then the greeting; default 5 000. */
  readonly connectTimeout?: number | undefined;
  /** ms for each reply to a command; default 60 000. */
  readonly replyTimeout?: number | undefined;
  /** ms for the verdict after the final dot; default 600 000 (RFC 5321 §4.5.3.2.6). */
  readonly dataReplyTimeout?: number | undefined;
  /** Idle connections kept per server; 0 = one connection per transaction. Default 16. */
  readonly maxIdlePerServer?: number | undefined;
  /** ms an idle connection is kept; default 10 000. */
  readonly idleTimeout?: number | undefined;
  /** Servers tried for a recipient whose mailbox any server can take; default 3. */
  readonly maxAttempts?: number | undefined;
}

export interface SmtpTlsOptions {
  /** PEM text or a path to a PEM file. */
  readonly cert: string;
  readonly key: string;
  /** `starttls` (default): offered after EHLO; `implicit`: TLS from the first byte (port 465). */
  readonly mode?: 'starttls' | 'implicit' | undefined;
}

export interface SmtpAuthOptions {
  /** Where passwords are checked; default the listener's directory. */
  readonly directory?: Directory | undefined;
  /** Offer AUTH only over TLS; default true. */
  readonly requireTls?: boolean | undefined;
}

export interface SmtpListenerOptions {
  readonly name: string;
  /** host:port ([v6]:port); port 0 picks a free one (see address()). */
  readonly listen: string;
  /** Our name in the greeting and EHLO (to clients and backends); default os.hostname(). */
  readonly hostname?: string | undefined;
  /** Mailboxes are looked up here. */
  readonly directory: Directory;
  /** The servers that hold the mailboxes. */
  readonly pool: Pool;
  readonly backend?: SmtpBackendOptions | undefined;
  /** Where authenticated clients' mail for other domains goes; without it nobody relays. */
  readonly relayPool?: Pool | undefined;
  readonly relayBackend?: SmtpBackendOptions | undefined;
  /** The domains we accept mail for (case-insensitive, exact). */
  readonly domains: readonly string[];
  readonly tls?: SmtpTlsOptions | undefined;
  /** Bytes; advertised as SIZE and enforced (552). Default 26 214 400 (25 MiB). */
  readonly maxMessageSize?: number | undefined;
  readonly auth?: SmtpAuthOptions | undefined;
  /** Expect a PROXY protocol header (v1 or v2) from every client (or from `acceptProxyFrom`). */
  readonly acceptProxy?: boolean | undefined;
  /**
   * With acceptProxy: only peers in these CIDRs must (and may) send a PROXY
   * header; others are direct clients whose own address counts. Default: all.
   */
  readonly acceptProxyFrom?: readonly string[] | undefined;
  readonly limits?: Partial<SmtpLimits> | undefined;
  /** Info lines per message and per session end: off (default), sampled (1 session in 100) or full. */
  readonly accessLog?: AccessLogMode | undefined;
  /**
   * Where mailbox placements are remembered (@lvs7/mail's `mail:placements`
   * table). Give the SMTP, IMAP and POP3 listeners one store, so every
   * protocol puts a mailbox on the same server; default a store of this
   * listener only.
   */
  readonly state?: StateStore | undefined;
  readonly logger?: Logger | undefined;
}

export interface ResolvedBackendOptions {
  readonly protocol: BackendProtocol;
  readonly clientInfo: ClientInfoMode;
  readonly proxyProtocol: 'v1' | 'v2' | undefined;
  readonly connectTimeout: number;
  readonly replyTimeout: number;
  readonly dataReplyTimeout: number;
  readonly maxIdlePerServer: number;
  readonly idleTimeout: number;
  readonly maxAttempts: number;
}

export interface ResolvedSmtpListenerOptions {
  readonly name: string;
  readonly listen: HostPort;
  readonly hostname: string;
  readonly directory: Directory;
  readonly pool: Pool;
  readonly backend: ResolvedBackendOptions;
  readonly relayPool: Pool | undefined;
  readonly relayBackend: ResolvedBackendOptions;
  readonly domains: ReadonlySet<string>;
  readonly tls: Required<SmtpTlsOptions> | undefined;
  readonly maxMessageSize: number;
  readonly auth: { readonly directory: Directory; readonly requireTls: boolean } | undefined;
  readonly acceptProxy: boolean;
  readonly acceptProxyFrom: readonly string[];
  readonly limits: SmtpLimits;
  /** 0: no access log; else one session in this many is logged. */
  readonly accessLogEvery: number;
  readonly state: StateStore | undefined;
  readonly logger: Logger | undefined;
}

export const DEFAULT_LIMITS: SmtpLimits = Object.freeze({
  maxRecipients: 100,
  maxLineLength: 2048,
  maxCommandsBeforeMail: 50,
  maxErrors: 10,
  maxConnections: 10_000,
  maxConnectionsPerIp: 50,
  commandTimeout: 300_000,
  dataTimeout: 180_000,
  proxyHeaderTimeout: 5_000,
});

export const DEFAULT_BACKEND: ResolvedBackendOptions = Object.freeze({
  protocol: 'smtp',
  clientInfo: 'auto',
  proxyProtocol: undefined,
  connectTimeout: 5_000,
  replyTimeout: 60_000,
  dataReplyTimeout: 600_000,
  maxIdlePerServer: 16,
  idleTimeout: 10_000,
  maxAttempts: 3,
});
