import { HealthCheckFailedError, InvalidHealthCheckOptionError, UnknownHealthCheckError } from '../errors.js';
import { localPreamble, type Preamble } from '../proxy-protocol/encode.js';
import type { ServerState } from '../server.js';

/** What a probe checks: one server's address (and its name, for messages). */
export interface HealthTarget {
  readonly host: string;
  readonly port: number;
  readonly name: string;
}

/**
 * Hints a feedback agent (HAProxy agent-check) sends besides its verdict. The
 * health session never applies them itself: it hands them to `onAgentHint`.
 */
export interface AgentHint {
  /** Administrative state the agent asks for (`ready`, `drain`, `maint`). */
  readonly state?: ServerState;
  /** Weight as a percent of the server's configured weight (HAProxy semantics). */
  readonly weightPercent?: number;
  /** Concurrent sessions the agent allows (`maxconn:NN`). */
  readonly maxConnections?: number;
}

/** A passing probe may resolve with a message and, for agents, hints. */
export interface HealthCheckResult extends AgentHint {
  readonly message?: string;
}

/**
 * One health check protocol. `check` resolves when the server passes (with an
 * optional short message or a HealthCheckResult) and rejects with a
 * HealthCheckFailedError(reason) when it fails. It must stop its I/O and
 * reject once `signal` aborts (the session's timeout or stop()). A probe is
 * shared by every server of a pool, so it keeps no per-check state.
 */
export interface HealthProbe {
  check(target: HealthTarget, signal: AbortSignal): Promise<HealthProbeOutcome>;
}

/** What `check` resolves with: nothing, a short message, or a message with hints. */
// biome-ignore lint/suspicious/noConfusingVoidType: lets probes be written as `async check(): Promise<void>`.
export type HealthProbeOutcome = string | void | HealthCheckResult;

/** Builds a probe from its (already parsed) config options; throws InvalidHealthCheckOptionError. */
export type HealthProbeFactory = (options: Record<string, unknown>) => HealthProbe;

const registry = new Map<string, HealthProbeFactory>();

/** Registers (or replaces) a health check type; protocol packages add theirs this way. */
export function registerHealthCheck(type: string, factory: HealthProbeFactory): void {
  registry.set(type, factory);
}

/** Every registered health check type, sorted. */
export function healthCheckTypes(): string[] {
  return [...registry.keys()].sort();
}

export function createHealthProbe(type: string, options: Record<string, unknown> = {}): HealthProbe {
  const factory = registry.get(type);
  if (factory === undefined) throw new UnknownHealthCheckError(type, healthCheckTypes());
  return factory(options);
}

/** Turns whatever a probe resolved with into a message and optional hints. */
export function normalizeProbeResult(value: HealthProbeOutcome): HealthCheckResult {
  if (value === undefined) return {};
  if (typeof value === 'string') return { message: value };
  return value;
}

/** A short, safe reason for a probe failure (error codes, not stacks). */
export function failureReason(error: unknown): string {
  if (error instanceof HealthCheckFailedError) return error.message;
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && code.length > 0 ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

/** Wraps any error as a HealthCheckFailedError (kept as `cause`). */
export function asCheckFailure(error: unknown, prefix = ''): HealthCheckFailedError {
  if (error instanceof HealthCheckFailedError) return error;
  return new HealthCheckFailedError(prefix + failureReason(error), { cause: error });
}

// Small option readers shared by the probes; config hands over plain values.

export function optionalString(
  type: string,
  options: Record<string, unknown>,
  key: string,
): string | undefined {
  const value = options[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new InvalidHealthCheckOptionError(type, key, 'expected a string');
  return value;
}

export function optionalPort(
  type: string,
  options: Record<string, unknown>,
  key: string,
): number | undefined {
  const value = options[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535) {
    throw new InvalidHealthCheckOptionError(type, key, 'expected a port from 1 to 65535');
  }
  return value;
}

/** Keys of a check's config block that belong to the session, not the probe. */
export const SESSION_OPTION_KEYS: readonly string[] = [
  'type',
  'interval',
  'timeout',
  'rise',
  'fall',
  'fastInterval',
  'downInterval',
  'jitter',
];

/**
 * Keys every probe accepts because they describe the pool, not the check:
 * `sendProxy` (v1 / v2) when the servers expect a PROXY header first.
 */
export const POOL_OPTION_KEYS: readonly string[] = ['sendProxy'];

/**
 * The header a probe writes first when its pool has `sendProxy` (HAProxy's
 * check-send-proxy): LOCAL in v2, the connection's own addresses in v1, so
 * the server takes the check for the balancer's own connection (see
 * localPreamble). Undefined otherwise.
 */
export function proxyPreamble(type: string, options: Record<string, unknown>): Preamble | undefined {
  const version = options['sendProxy'];
  if (version === undefined) return undefined;
  if (version !== 'v1' && version !== 'v2')
    throw new InvalidHealthCheckOptionError(type, 'sendProxy', 'expected v1 or v2');
  return localPreamble(version);
}

/**
 * Rejects keys the probe does not know (a typo should not silently disable a
 * check); session keys are allowed, so a whole config block may be passed.
 */
export function rejectUnknownOptions(
  type: string,
  options: Record<string, unknown>,
  known: readonly string[],
): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key) && !SESSION_OPTION_KEYS.includes(key) && !POOL_OPTION_KEYS.includes(key)) {
      throw new InvalidHealthCheckOptionError(type, key, `unknown option (known: ${known.join(', ')})`);
    }
  }
}
