import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { HealthSession, Pool, Server } from '@lvs7/core';
import type { Logger } from 'pino';
import { InvalidSharedStateOptionsError } from './errors.js';
import { HEALTH_MODES, type HealthMode } from './health-verdict.js';
import { NAME_PATTERN } from './keys.js';
import { connectionProblems, type RedisConnection } from './redis-connection.js';

export interface SharedStateOptions {
  /** Where Redis is: a URL or ioredis options (see RedisConnection). */
  readonly redis: RedisConnection;
  /** Instances with the same cluster name share state; [A-Za-z0-9_.-], up to 64 characters. */
  readonly cluster: string;
  /** Unique per running instance (same rules as cluster); default `<host>-<pid>-<random>`. */
  readonly instanceId?: string | undefined;
  /** Receives the one-per-outage warnings; lvs7 passes a child logger. */
  readonly logger: Logger;
  /** The instance's pools now, for connection counts and health; without it both stay idle. */
  readonly pools?: (() => ReadonlyMap<string, Pool>) | undefined;
  /** Default `local`. */
  readonly healthMode?: HealthMode | undefined;
  /** For `quorum`: instances that must see a server down (default a majority of those reporting). */
  readonly healthQuorum?: number | undefined;
  /** See HealthConsensusOptions.session. */
  readonly healthSession?: ((pool: string, server: Server) => HealthSession | undefined) | undefined;
  /** Default 1 000 ms; observations are also published at once on every change. */
  readonly healthIntervalMs?: number | undefined;
  /** Default 3 × healthIntervalMs. */
  readonly healthTtlMs?: number | undefined;
  /** Default 200 ms. */
  readonly countIntervalMs?: number | undefined;
  /** Default 5 × countIntervalMs. */
  readonly countTtlMs?: number | undefined;
  /** Table writes buffered for Redis (latest per key); default 10 000. */
  readonly maxPendingWrites?: number | undefined;
  /** Admin changes queued while Redis is away; default 1 000. */
  readonly maxQueuedAdminChanges?: number | undefined;
  /** How long connect() waits for Redis before going on without it (it keeps retrying); default 2 000 ms. */
  readonly connectTimeoutMs?: number | undefined;
}

const POSITIVE_INTEGERS = [
  'healthQuorum',
  'healthIntervalMs',
  'healthTtlMs',
  'countIntervalMs',
  'countTtlMs',
  'maxPendingWrites',
  'maxQueuedAdminChanges',
  'connectTimeoutMs',
] as const;

/** Checks every option at once; throws InvalidSharedStateOptionsError listing each problem. */
export function validateOptions(options: SharedStateOptions): void {
  const problems: string[] = [];
  if (typeof options.cluster !== 'string' || !NAME_PATTERN.test(options.cluster)) {
    problems.push(`cluster: "${String(options.cluster)}" must match ${NAME_PATTERN}`);
  }
  if (options.instanceId !== undefined && !NAME_PATTERN.test(options.instanceId)) {
    problems.push(`instanceId: "${options.instanceId}" must match ${NAME_PATTERN}`);
  }
  if (options.healthMode !== undefined && !HEALTH_MODES.includes(options.healthMode)) {
    problems.push(`healthMode: "${String(options.healthMode)}" is not one of ${HEALTH_MODES.join(', ')}`);
  }
  for (const name of POSITIVE_INTEGERS) {
    const value = options[name];
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
      problems.push(`${name}: ${String(value)} is not a positive integer`);
    }
  }
  if (options.redis === undefined || options.redis === null) problems.push('redis: missing');
  else problems.push(...connectionProblems(options.redis));
  if (options.logger === undefined) problems.push('logger: missing');
  if (problems.length > 0) throw new InvalidSharedStateOptionsError(problems);
}

/** `<host>-<pid>-<4 hex>`, host reduced to the characters ids may use. */
export function defaultInstanceId(): string {
  const host =
    hostname()
      .replace(/[^A-Za-z0-9_.-]/g, '_')
      .slice(0, 40) || 'lvs7';
  return `${host}-${process.pid}-${randomBytes(2).toString('hex')}`;
}
