/**
 * Typed options of a POP3 or IMAP4 listener, the shape the config package
 * produces (durations in ms, sizes in bytes). Validated once by
 * `resolveMailListenerOptions`, every problem reported together, then frozen.
 */
import { cidrMatcher, type HostPort, type Pool, parseHostPort, type StateStore } from '@lvs7/core';
import type { Directory } from '@lvs7/directory';
import type { Logger } from 'pino';
import { InvalidMailOptionError } from './errors.js';
import { ACCESS_LOG_MODES, type AccessLogMode, accessLogEvery } from './session/access-log.js';

export type MailProtocol = 'imap' | 'pop3';
/** starttls: offered, plaintext login allowed; required: login only after STARTTLS; implicit: TLS from the first byte. */
export type ClientTlsMode = 'starttls' | 'implicit' | 'required';
export type BackendTlsMode = 'plain' | 'starttls' | 'implicit';
export type ProxyProtocolVersion = 'v1' | 'v2';
export type OnOff = 'on' | 'off';

export interface MailTlsOptions {
  /** PEM text or a path to a PEM file. */
  readonly cert: string;
  readonly key: string;
  readonly mode: ClientTlsMode;
}

export interface MailLimits {
  /** Longest command line (and pre-auth literal) before the client is disconnected; default 8 192. */
  readonly maxLineLength: number;
  /** ms from connect until a successful login; default 60 000. */
  readonly preAuthTimeout: number;
  /** Unknown or malformed commands before the client is disconnected; default 10. */
  readonly maxBadCommands: number;
  /** Concurrent client connections of the listener; 0 = unlimited; default 10 000. */
  readonly maxConnections: number;
  /** Concurrent connections from one client IP; 0 = unlimited; default 100. */
  readonly maxConnectionsPerIp: number;
  /** ms a failed login waits before its reply, doubled per recent failure of the IP or user (up to 8×); default 2 000. */
  readonly authFailureDelay: number;
  /** ms for the PROXY header when `acceptProxy` is set; default 5 000. */
  readonly proxyHeaderTimeout: number;
}

export interface BackendTimeouts {
  /** TCP (and TLS) connect to a backend; default 5 000. */
  readonly connect: number;
  /** Each reply during the backend login exchange; default 30 000. */
  readonly reply: number;
}

export interface MailListenerOptions {
  readonly name: string;
  readonly protocol: MailProtocol;
  /** `host:port` to listen on (port 0 = any free port). */
  readonly listen: string;
  readonly directory: Directory;
  readonly pool: Pool;
  readonly tls?: MailTlsOptions | undefined;
  /** How lvs7 speaks to backends; default plain. */
  readonly backendTls?: BackendTlsMode | undefined;
  /** Verify backend certificates (against `backendCa` or the system CAs); default true. */
  readonly backendTlsVerify?: boolean | undefined;
  /** PEM text or path of the CA that signed backend certificates. */
  readonly backendCa?: string | undefined;
  readonly limits?: Partial<MailLimits> | undefined;
  /**
   * Expect a PROXY protocol header (v1 or v2) first, naming the real client
   * (lvs7 behind another balancer): per-IP limits, ID / XCLIENT and the
   * PROXY header to backends use that address. Read before implicit TLS.
   */
  readonly acceptProxy?: boolean | undefined;
  /** With acceptProxy: only peers in these CIDRs must (and may) send the header; others are direct clients. */
  readonly acceptProxyFrom?: readonly string[] | undefined;
  /** ms a remembered placement lives after the user's last session; default 15 min (Dovecot director_user_expire). */
  readonly placementTtl?: number | undefined;
  /** Remembered placements kept at most; default 1 000 000. */
  readonly placementMaxEntries?: number | undefined;
  /** IMAP: send `ID ("x-originating-ip" …)` to the backend before login; default on. */
  readonly sendId?: OnOff | undefined;
  /** POP3: send `XCLIENT ADDR=… PORT=…` to the backend before login; default on. */
  readonly xclient?: OnOff | undefined;
  /** Send a PROXY protocol header to backends first. */
  readonly proxyProtocol?: ProxyProtocolVersion | undefined;
  readonly backendTimeouts?: Partial<BackendTimeouts> | undefined;
  /** Greeting text after `* OK` / `+OK`; default "lvs7 ready." */
  readonly greeting?: string | undefined;
  /** One info line per session when it ends: off (default), sampled (1 in 100) or full. */
  readonly accessLog?: AccessLogMode | undefined;
  /**
   * Where placements are remembered (table `mail:placements`). Give the IMAP
   * and POP3 listeners the same store so both protocols share placements;
   * default a store of this listener only.
   */
  readonly state?: StateStore | undefined;
  readonly logger?: Logger | undefined;
}

export interface ResolvedMailListenerOptions {
  readonly name: string;
  readonly protocol: MailProtocol;
  readonly listen: HostPort;
  readonly directory: Directory;
  readonly pool: Pool;
  readonly tls: MailTlsOptions | undefined;
  readonly backendTls: BackendTlsMode;
  readonly backendTlsVerify: boolean;
  readonly backendCa: string | undefined;
  readonly limits: MailLimits;
  readonly acceptProxy: boolean;
  readonly acceptProxyFrom: readonly string[];
  readonly placementTtl: number;
  readonly placementMaxEntries: number;
  readonly sendId: boolean;
  readonly xclient: boolean;
  readonly proxyProtocol: ProxyProtocolVersion | undefined;
  readonly backendTimeouts: BackendTimeouts;
  readonly greeting: string;
  /** 0: no access log; else one session in this many is logged. */
  readonly accessLogEvery: number;
  readonly state: StateStore | undefined;
  readonly logger: Logger | undefined;
}

export const DEFAULT_LIMITS: MailLimits = Object.freeze({
  maxLineLength: 8192,
  preAuthTimeout: 60_000,
  maxBadCommands: 10,
  maxConnections: 10_000,
  maxConnectionsPerIp: 100,
  authFailureDelay: 2000,
  proxyHeaderTimeout: 5000,
});

export const DEFAULT_BACKEND_TIMEOUTS: BackendTimeouts = Object.freeze({ connect: 5000, reply: 30_000 });

const KNOWN_KEYS = new Set([
  'name',
  'protocol',
  'listen',
  'directory',
  'pool',
  'tls',
  'backendTls',
  'backendTlsVerify',
  'backendCa',
  'limits',
  'acceptProxy',
  'acceptProxyFrom',
  'placementTtl',
  'placementMaxEntries',
  'sendId',
  'xclient',
  'proxyProtocol',
  'backendTimeouts',
  'greeting',
  'accessLog',
  'state',
  'logger',
]);

function oneOf<T extends string>(
  problems: string[],
  key: string,
  value: unknown,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  problems.push(`${key}: expected one of ${allowed.join(', ')}`);
  return fallback;
}

function nonNegative(problems: string[], key: string, value: unknown, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    problems.push(`${key}: expected an integer >= ${min}`);
    return fallback;
  }
  return value;
}

function resolveLimits(problems: string[], limits: Partial<MailLimits> | undefined): MailLimits {
  const given = (limits ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(given))
    if (!(key in DEFAULT_LIMITS)) problems.push(`limits.${key}: unknown option`);
  const read = (key: keyof MailLimits, min: number) =>
    nonNegative(problems, `limits.${key}`, given[key], DEFAULT_LIMITS[key], min);
  return Object.freeze({
    maxLineLength: read('maxLineLength', 512),
    preAuthTimeout: read('preAuthTimeout', 1),
    maxBadCommands: read('maxBadCommands', 1),
    maxConnections: read('maxConnections', 0),
    maxConnectionsPerIp: read('maxConnectionsPerIp', 0),
    authFailureDelay: read('authFailureDelay', 0),
    proxyHeaderTimeout: read('proxyHeaderTimeout', 1),
  });
}

function resolveTls(problems: string[], tls: MailTlsOptions | undefined): MailTlsOptions | undefined {
  if (tls === undefined) return undefined;
  if (typeof tls.cert !== 'string' || tls.cert === '')
    problems.push('tls.cert: expected PEM text or a file path');
  if (typeof tls.key !== 'string' || tls.key === '')
    problems.push('tls.key: expected PEM text or a file path');
  const mode = oneOf(
    problems,
    'tls.mode',
    tls.mode,
    ['starttls', 'implicit', 'required'] as const,
    'starttls',
  );
  return Object.freeze({ cert: tls.cert, key: tls.key, mode });
}

/** Validates options, applies defaults and freezes them; throws InvalidMailOptionError listing every problem. */
export function resolveMailListenerOptions(options: MailListenerOptions): ResolvedMailListenerOptions {
  const problems: string[] = [];
  const name = typeof options.name === 'string' && options.name !== '' ? options.name : '(unnamed)';
  if (name === '(unnamed)') problems.push('name: expected a non-empty string');
  for (const key of Object.keys(options)) if (!KNOWN_KEYS.has(key)) problems.push(`${key}: unknown option`);
  const protocol = oneOf(problems, 'protocol', options.protocol, ['imap', 'pop3'] as const, 'imap');
  let listen: HostPort = { host: '127.0.0.1', port: 0 };
  try {
    listen = parseHostPort(options.listen);
  } catch {
    problems.push(`listen: invalid address "${String(options.listen)}": expected host:port`);
  }
  if (typeof options.directory?.lookup !== 'function') problems.push('directory: expected a Directory');
  if (typeof options.pool?.pick !== 'function') problems.push('pool: expected a Pool');
  const resolved: ResolvedMailListenerOptions = {
    name,
    protocol,
    listen,
    directory: options.directory,
    pool: options.pool,
    tls: resolveTls(problems, options.tls),
    backendTls: oneOf(
      problems,
      'backendTls',
      options.backendTls,
      ['plain', 'starttls', 'implicit'] as const,
      'plain',
    ),
    backendTlsVerify: options.backendTlsVerify ?? true,
    backendCa: options.backendCa,
    limits: resolveLimits(problems, options.limits),
    acceptProxy: options.acceptProxy ?? false,
    acceptProxyFrom: Object.freeze([...(options.acceptProxyFrom ?? [])]),
    placementTtl: nonNegative(problems, 'placementTtl', options.placementTtl, 15 * 60_000, 1000),
    placementMaxEntries: nonNegative(
      problems,
      'placementMaxEntries',
      options.placementMaxEntries,
      1_000_000,
      1,
    ),
    sendId: oneOf(problems, 'sendId', options.sendId, ['on', 'off'] as const, 'on') === 'on',
    xclient: oneOf(problems, 'xclient', options.xclient, ['on', 'off'] as const, 'on') === 'on',
    proxyProtocol:
      options.proxyProtocol === undefined
        ? undefined
        : oneOf(problems, 'proxyProtocol', options.proxyProtocol, ['v1', 'v2'] as const, 'v1'),
    backendTimeouts: Object.freeze({
      connect: nonNegative(problems, 'backendTimeouts.connect', options.backendTimeouts?.connect, 5000, 1),
      reply: nonNegative(problems, 'backendTimeouts.reply', options.backendTimeouts?.reply, 30_000, 1),
    }),
    greeting: options.greeting ?? 'lvs7 ready.',
    accessLogEvery: accessLogEvery(oneOf(problems, 'accessLog', options.accessLog, ACCESS_LOG_MODES, 'off')),
    state: options.state,
    logger: options.logger,
  };
  if (/[\r\n]/.test(resolved.greeting)) problems.push('greeting: must be one line');
  try {
    cidrMatcher(resolved.acceptProxyFrom, 'acceptProxyFrom');
  } catch (error) {
    problems.push((error as Error).message);
  }
  if (problems.length > 0) throw new InvalidMailOptionError(name, problems);
  return Object.freeze(resolved);
}
