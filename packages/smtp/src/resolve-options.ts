import os from 'node:os';
import { cidrMatcher, type HostPort, type Pool, parseHostPort } from '@lvs7/core';
import type { Directory } from '@lvs7/directory';
import { InvalidSmtpOptionError } from './errors.js';
import {
  DEFAULT_BACKEND,
  DEFAULT_LIMITS,
  type ResolvedBackendOptions,
  type ResolvedSmtpListenerOptions,
  type SmtpBackendOptions,
  type SmtpLimits,
  type SmtpListenerOptions,
  type SmtpTlsOptions,
} from './options.js';
import { ACCESS_LOG_MODES, accessLogEvery } from './server/access-log.js';

const KNOWN_KEYS = new Set([
  'name',
  'listen',
  'hostname',
  'directory',
  'pool',
  'backend',
  'relayPool',
  'relayBackend',
  'domains',
  'tls',
  'maxMessageSize',
  'auth',
  'acceptProxy',
  'acceptProxyFrom',
  'limits',
  'accessLog',
  'state',
  'logger',
]);
const MIN_LIMITS: Record<keyof SmtpLimits, number> = {
  maxRecipients: 1,
  maxLineLength: 512,
  maxCommandsBeforeMail: 0,
  maxErrors: 1,
  maxConnections: 1,
  maxConnectionsPerIp: 0,
  commandTimeout: 1,
  dataTimeout: 1,
  proxyHeaderTimeout: 1,
};
const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

function integer(problems: string[], key: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value === 'number' && Number.isInteger(value) && value >= min) return value;
  problems.push(`${key}: expected an integer >= ${min}`);
  return fallback;
}

function oneOf<T extends string>(
  problems: string[],
  key: string,
  value: unknown,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if ((allowed as readonly unknown[]).includes(value)) return value as T;
  problems.push(`${key}: expected one of ${allowed.join(', ')}`);
  return fallback;
}

function resolveLimits(problems: string[], given: Record<string, unknown>): SmtpLimits {
  for (const key of Object.keys(given))
    if (!(key in DEFAULT_LIMITS)) problems.push(`limits.${key}: unknown option`);
  const out: Record<string, number> = {};
  for (const key of Object.keys(DEFAULT_LIMITS) as (keyof SmtpLimits)[]) {
    out[key] = integer(problems, `limits.${key}`, given[key], DEFAULT_LIMITS[key], MIN_LIMITS[key]);
  }
  return Object.freeze(out as unknown as SmtpLimits);
}

function resolveBackend(
  problems: string[],
  key: string,
  given: SmtpBackendOptions | undefined,
): ResolvedBackendOptions {
  const b = (given ?? {}) as Record<string, unknown>;
  for (const k of Object.keys(b)) if (!(k in DEFAULT_BACKEND)) problems.push(`${key}.${k}: unknown option`);
  const d = DEFAULT_BACKEND;
  const proxy = b['proxyProtocol'];
  return Object.freeze({
    protocol: oneOf(problems, `${key}.protocol`, b['protocol'], ['smtp', 'lmtp'] as const, d.protocol),
    clientInfo: oneOf(
      problems,
      `${key}.clientInfo`,
      b['clientInfo'],
      ['auto', 'xclient', 'xforward', 'none'] as const,
      d.clientInfo,
    ),
    proxyProtocol:
      proxy === undefined
        ? undefined
        : oneOf(problems, `${key}.proxyProtocol`, proxy, ['v1', 'v2'] as const, 'v1'),
    connectTimeout: integer(problems, `${key}.connectTimeout`, b['connectTimeout'], d.connectTimeout, 1),
    replyTimeout: integer(problems, `${key}.replyTimeout`, b['replyTimeout'], d.replyTimeout, 1),
    dataReplyTimeout: integer(
      problems,
      `${key}.dataReplyTimeout`,
      b['dataReplyTimeout'],
      d.dataReplyTimeout,
      1,
    ),
    maxIdlePerServer: integer(
      problems,
      `${key}.maxIdlePerServer`,
      b['maxIdlePerServer'],
      d.maxIdlePerServer,
      0,
    ),
    idleTimeout: integer(problems, `${key}.idleTimeout`, b['idleTimeout'], d.idleTimeout, 1),
    maxAttempts: integer(problems, `${key}.maxAttempts`, b['maxAttempts'], d.maxAttempts, 1),
  });
}

function resolveTls(
  problems: string[],
  tls: SmtpTlsOptions | undefined,
): Required<SmtpTlsOptions> | undefined {
  if (tls === undefined) return undefined;
  if (typeof tls.cert !== 'string' || tls.cert === '')
    problems.push('tls.cert: expected PEM text or a file path');
  if (typeof tls.key !== 'string' || tls.key === '')
    problems.push('tls.key: expected PEM text or a file path');
  const mode = oneOf(problems, 'tls.mode', tls.mode, ['starttls', 'implicit'] as const, 'starttls');
  return Object.freeze({ cert: tls.cert, key: tls.key, mode });
}

function isDirectory(value: unknown): value is Directory {
  return typeof (value as Directory | undefined)?.lookup === 'function';
}

function isPool(value: unknown): value is Pool {
  return typeof (value as Pool | undefined)?.pick === 'function';
}

/** Validates options, applies defaults and freezes them; throws InvalidSmtpOptionError listing every problem. */
export function resolveSmtpListenerOptions(options: SmtpListenerOptions): ResolvedSmtpListenerOptions {
  const problems: string[] = [];
  const name = typeof options.name === 'string' && options.name !== '' ? options.name : '(unnamed)';
  if (name === '(unnamed)') problems.push('name: expected a non-empty string');
  for (const key of Object.keys(options)) if (!KNOWN_KEYS.has(key)) problems.push(`${key}: unknown option`);
  let listen: HostPort = { host: '127.0.0.1', port: 0 };
  try {
    listen = parseHostPort(options.listen);
  } catch {
    problems.push(`listen: invalid address "${String(options.listen)}": expected host:port`);
  }
  const hostname = options.hostname ?? os.hostname();
  if (!HOSTNAME.test(hostname)) problems.push(`hostname: "${hostname}" is not a host name`);
  if (!isDirectory(options.directory)) problems.push('directory: expected a Directory');
  if (!isPool(options.pool)) problems.push('pool: expected a Pool');
  if (options.relayPool !== undefined && !isPool(options.relayPool))
    problems.push('relayPool: expected a Pool');
  const domains = new Set<string>();
  if (!Array.isArray(options.domains) || options.domains.length === 0)
    problems.push('domains: expected at least one domain');
  for (const d of options.domains ?? []) {
    if (typeof d === 'string' && HOSTNAME.test(d)) domains.add(d.toLowerCase());
    else problems.push(`domains: "${String(d)}" is not a domain name`);
  }
  const auth = options.auth;
  const authDirectory = auth?.directory ?? options.directory;
  if (auth !== undefined && !isDirectory(authDirectory))
    problems.push('auth.directory: expected a Directory');
  const resolved: ResolvedSmtpListenerOptions = {
    name,
    listen,
    hostname,
    directory: options.directory,
    pool: options.pool,
    backend: resolveBackend(problems, 'backend', options.backend),
    relayPool: options.relayPool,
    relayBackend: resolveBackend(problems, 'relayBackend', options.relayBackend),
    domains,
    tls: resolveTls(problems, options.tls),
    maxMessageSize: integer(problems, 'maxMessageSize', options.maxMessageSize, 25 * 1024 * 1024, 1024),
    auth:
      auth === undefined
        ? undefined
        : Object.freeze({ directory: authDirectory, requireTls: auth.requireTls ?? true }),
    acceptProxy: options.acceptProxy ?? false,
    acceptProxyFrom: Object.freeze([...(options.acceptProxyFrom ?? [])]),
    limits: resolveLimits(problems, (options.limits ?? {}) as Record<string, unknown>),
    accessLogEvery: accessLogEvery(oneOf(problems, 'accessLog', options.accessLog, ACCESS_LOG_MODES, 'off')),
    state: options.state,
    logger: options.logger,
  };
  try {
    cidrMatcher(resolved.acceptProxyFrom, 'acceptProxyFrom');
  } catch (error) {
    problems.push((error as Error).message);
  }
  if (resolved.auth?.requireTls && resolved.tls === undefined)
    problems.push('auth.requireTls: needs tls (or set requireTls: false)');
  if (problems.length > 0) throw new InvalidSmtpOptionError(name, problems);
  return Object.freeze(resolved);
}
