import diagnosticsChannel from 'node:diagnostics_channel';
import { HealthCheckFailedError } from '../errors.js';
import type { Pool } from '../pool.js';
import type { Server } from '../server.js';
import {
  type HealthSessionOptions,
  type ResolvedHealthSessionOptions,
  resolveHealthSessionOptions,
} from './health-options.js';
import {
  type AgentHint,
  failureReason,
  type HealthCheckResult,
  type HealthProbe,
  normalizeProbeResult,
} from './health-probe.js';

export interface HealthSessionHooks {
  /** Every passing check (the outlier detector's `onActivePass` un-ejects). */
  readonly onPass?: ((server: Server) => void) | undefined;
  /** Every check result, after the verdict was applied. */
  readonly onResult?: ((server: Server, result: HealthCheckRecord) => void) | undefined;
  /**
   * A passing check carried agent hints (agent probe). Called on every such
   * result, so it must be idempotent; the session applies nothing itself.
   */
  readonly onAgentHint?: ((server: Server, hint: AgentHint) => void) | undefined;
}

/** One check's outcome (also stored, without `durationMs`, as `server.lastCheck`). */
export interface HealthCheckRecord {
  readonly at: number;
  readonly ok: boolean;
  readonly message: string;
  readonly durationMs: number;
}

/** Message on `healthCheckChannel`: every check result (HealthEvent is only for transitions). */
export interface HealthCheckEvent extends HealthCheckRecord {
  readonly pool: string;
  readonly server: Server;
}

/** Every active check result (HealthCheckEvent), for logs and tests. */
export const healthCheckChannel = diagnosticsChannel.channel('lvs7:health:check');

/** Message on `localHealthChannel`: a session's own verdict changed (rise/fall reached). */
export interface LocalHealthEvent {
  readonly pool: string;
  readonly server: Server;
  readonly healthy: boolean;
  readonly message: string;
  /** The session is held down (see HealthSession.hold), so the pool did not follow. */
  readonly held: boolean;
}

/**
 * Transitions of what a server's own checks say (LocalHealthEvent), once
 * each. `lvs7:health` carries the effective transitions the pool applies;
 * the two differ only while something holds the server down.
 */
export const localHealthChannel = diagnosticsChannel.channel('lvs7:health:local');

/**
 * Checks one server of a pool with a probe, one check at a time, and turns
 * `rise`/`fall` consecutive results into its local verdict (`localHealthy`,
 * mirrored to server.localHealthy). The pool sees the effective state,
 * local verdict and not held (see hold()), through pool.setHealthy, so each
 * effective transition is published once on `lvs7:health` and each local
 * one on `lvs7:health:local`. The local verdict starts from
 * server.localHealthy (a session replaced on reload carries on) or else
 * server.healthy (true for a new server: up until proven down, as HAProxy).
 * Timers are unref'd: the pool's owner keeps the process alive.
 */
export class HealthSession {
  readonly pool: Pool;
  readonly server: Server;
  readonly probe: HealthProbe;
  readonly options: ResolvedHealthSessionOptions;
  readonly #hooks: HealthSessionHooks;
  #passes = 0;
  #failures = 0;
  #local: boolean;
  #hold: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #inflight: Promise<HealthCheckRecord> | undefined;
  #controller: AbortController | undefined;
  #started = false;
  #stopped = false;

  constructor(
    pool: Pool,
    server: Server,
    probe: HealthProbe,
    options: HealthSessionOptions = {},
    hooks: HealthSessionHooks = {},
  ) {
    this.pool = pool;
    this.server = server;
    this.probe = probe;
    this.options = resolveHealthSessionOptions(options);
    this.#hooks = hooks;
    this.#local = server.localHealthy ?? server.healthy;
    server.localHealthy = this.#local;
  }

  /** What this session's own checks say (rise/fall applied), whatever holds the server. */
  get localHealthy(): boolean {
    return this.#local;
  }

  /** Why the server is held down, or undefined when its state follows its checks. */
  get held(): string | undefined {
    return this.#hold;
  }

  /**
   * Holds the server down whatever its checks say (shared-state health
   * consensus: other instances see it down). Checks go on and keep the local
   * verdict; the pool sees one down transition, or none when already down.
   */
  hold(reason: string): void {
    this.#hold = reason;
    this.#settle(reason);
  }

  /**
   * Ends a hold: the server follows its own checks again (one up transition
   * if they pass). Also brings a server held by a session this one replaced
   * (reload) back to this session's verdict.
   */
  release(reason: string): void {
    this.#hold = undefined;
    this.#settle(reason);
  }

  get consecutivePasses(): number {
    return this.#passes;
  }

  get consecutiveFailures(): number {
    return this.#failures;
  }

  /** A check is in flight. */
  get checking(): boolean {
    return this.#inflight !== undefined;
  }

  get running(): boolean {
    return this.#started && !this.#stopped;
  }

  /** Schedules the first check (after a random part of one interval when jitter > 0). */
  start(): this {
    if (this.#started || this.#stopped) return this;
    this.#started = true;
    const { jitter, interval, random } = this.options;
    this.#schedule(jitter > 0 ? random() * interval : 0);
    return this;
  }

  /** Clears the timer and aborts the check in flight; its result is ignored. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#controller?.abort(new HealthCheckFailedError('health checks stopped'));
  }

  /**
   * Checks now (or joins the check in flight); a started session schedules
   * its next check after this one. For an admin "check now" and for tests.
   */
  checkNow(): Promise<HealthCheckRecord> {
    if (this.#inflight !== undefined) return this.#inflight;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    return this.#run();
  }

  #schedule(delay: number): void {
    if (this.#stopped || !this.#started) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#run();
    }, delay);
    this.#timer.unref();
  }

  #run(): Promise<HealthCheckRecord> {
    const inflight = this.#check().finally(() => {
      this.#inflight = undefined;
      this.#controller = undefined;
    });
    this.#inflight = inflight;
    return inflight;
  }

  async #check(): Promise<HealthCheckRecord> {
    const { now, timeout } = this.options;
    const controller = new AbortController();
    this.#controller = controller;
    const started = now();
    const timer = setTimeout(
      () => controller.abort(new HealthCheckFailedError(`timeout after ${timeout} ms`)),
      timeout,
    );
    timer.unref();
    let ok: boolean;
    let message: string;
    let hint: AgentHint | undefined;
    try {
      const result = normalizeProbeResult(await raceAbort(this.probe, this.server, controller.signal));
      ok = true;
      message = result.message ?? 'passed';
      hint = agentHint(result);
    } catch (error) {
      ok = false;
      message = failureReason(controller.signal.aborted ? controller.signal.reason : error);
    } finally {
      clearTimeout(timer);
    }
    const at = now();
    const record: HealthCheckRecord = { at, ok, message, durationMs: at - started };
    if (this.#stopped) return record;
    this.#apply(record, hint);
    return record;
  }

  /** A throwing hook must not stop the checks: it becomes a process warning. */
  #hook(call: () => void): void {
    try {
      call();
    } catch (error) {
      const { pool, server } = this;
      process.emitWarning(`health check hook for ${pool.name}/${server.name} threw: ${failureReason(error)}`);
    }
  }

  /** Brings the pool's view to the effective state (a no-op, and no event, when it is there). */
  #settle(message: string): void {
    this.pool.setHealthy(this.server, this.#local && this.#hold === undefined, message);
  }

  #setLocal(healthy: boolean, message: string): void {
    const { server, pool } = this;
    this.#local = healthy;
    server.localHealthy = healthy;
    if (localHealthChannel.hasSubscribers) {
      const held = this.#hold !== undefined;
      localHealthChannel.publish({
        pool: pool.name,
        server,
        healthy,
        message,
        held,
      } satisfies LocalHealthEvent);
    }
    this.#settle(message);
  }

  #apply(record: HealthCheckRecord, hint: AgentHint | undefined): void {
    const { server, pool } = this;
    const { rise, fall, interval, fastInterval, downInterval, jitter, random } = this.options;
    server.lastCheck = { at: record.at, ok: record.ok, message: record.message };
    if (record.ok) {
      this.#failures = 0;
      this.#passes++;
      if (!this.#local && this.#passes >= rise) this.#setLocal(true, record.message);
    } else {
      this.#passes = 0;
      this.#failures++;
      if (this.#local && this.#failures >= fall) this.#setLocal(false, record.message);
    }
    if (healthCheckChannel.hasSubscribers) {
      healthCheckChannel.publish({ pool: pool.name, server, ...record } satisfies HealthCheckEvent);
    }
    const { onPass, onAgentHint, onResult } = this.#hooks;
    if (record.ok && onPass !== undefined) this.#hook(() => onPass(server));
    if (hint !== undefined && onAgentHint !== undefined) this.#hook(() => onAgentHint(server, hint));
    if (onResult !== undefined) this.#hook(() => onResult(server, record));
    const up = this.#local;
    const pending = up ? this.#failures > 0 : this.#passes > 0;
    const base = pending ? fastInterval : up ? interval : downInterval;
    this.#schedule(base * (1 + (jitter / 100) * (2 * random() - 1)));
  }
}

/** The hint fields of a result, or undefined when there are none. */
function agentHint(result: HealthCheckResult): AgentHint | undefined {
  const { state, weightPercent, maxConnections } = result;
  if (state === undefined && weightPercent === undefined && maxConnections === undefined) return undefined;
  const hint: { -readonly [K in keyof AgentHint]: AgentHint[K] } = {};
  if (state !== undefined) hint.state = state;
  if (weightPercent !== undefined) hint.weightPercent = weightPercent;
  if (maxConnections !== undefined) hint.maxConnections = maxConnections;
  return hint;
}

/** The probe's promise, rejected as soon as `signal` aborts even if the probe ignores it. */
function raceAbort(
  probe: HealthProbe,
  server: Server,
  signal: AbortSignal,
): ReturnType<HealthProbe['check']> {
  let check: ReturnType<HealthProbe['check']>;
  try {
    check = probe.check(server, signal);
  } catch (error) {
    return Promise.reject(error);
  }
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    check.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
