import { InvalidOutlierOptionError } from '../errors.js';
import type { Pool } from '../pool.js';
import type { Server } from '../server.js';

export interface OutlierDetectorOptions {
  /** Consecutive failed requests/sessions that eject a server; default 5. */
  readonly consecutiveFailures?: number | undefined;
  /** First ejection's length (ms); the n-th in a row lasts n times this; default 30 000. */
  readonly baseEjectionTime?: number | undefined;
  /** Cap on an ejection's length (ms; never below baseEjectionTime); default 300 000. */
  readonly maxEjectionTime?: number | undefined;
  /**
   * Ejecting is allowed only while fewer than this percent of the pool's
   * servers are ejected (Envoy's rule: so one ejection is always allowed when
   * > 0, whatever the pool's size); 0 disables ejection; default 10. A pool
   * of a single server is never ejected (there is nothing to fail over to).
   */
  readonly maxEjectionPercent?: number | undefined;
  /**
   * Sweep period (ms): ejected servers whose time is up return at the next
   * sweep, and a server's ejection count drops by one for each sweep period
   * it stays un-ejected; default 10 000 (Envoy's interval).
   */
  readonly interval?: number | undefined;
  /** Injected clock, for tests. */
  readonly now?: (() => number) | undefined;
}

/** One server's outlier state as a status page shows it. */
export interface OutlierStatus {
  readonly server: string;
  readonly ejected: boolean;
  /** Ejections in a row (the ejection time multiplier); decays while healthy. */
  readonly ejections: number;
  readonly consecutiveFailures: number;
  /** When the current ejection ends (ms epoch); 0 when not ejected by this detector. */
  readonly ejectedUntil: number;
}

export interface OutlierStopOptions {
  /** Return the servers this detector ejected (default true). */
  readonly restore?: boolean | undefined;
}

interface OutlierState {
  failures: number;
  ejections: number;
  ejectedUntil: number;
  /** Start of the current un-ejected stretch, or the last decay step. */
  decayFrom: number;
}

/**
 * Passive outlier detection for one pool (Envoy's consecutive-failure
 * detector): distributors `report` every real request or session's outcome;
 * `consecutiveFailures` failures in a row eject the server through
 * pool.setEjected for baseEjectionTime × (ejections in a row), capped at
 * maxEjectionTime. An active health check pass returns it early
 * (`onActivePass`). Independent of health checking and of scheduling.
 */
export class OutlierDetector {
  readonly pool: Pool;
  readonly consecutiveFailures: number;
  readonly baseEjectionTime: number;
  readonly maxEjectionTime: number;
  readonly maxEjectionPercent: number;
  readonly interval: number;
  readonly #now: () => number;
  readonly #states = new WeakMap<Server, OutlierState>();
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(pool: Pool, options: OutlierDetectorOptions = {}) {
    this.pool = pool;
    this.consecutiveFailures = positive('consecutiveFailures', options.consecutiveFailures, 5, true);
    this.baseEjectionTime = positive('baseEjectionTime', options.baseEjectionTime, 30_000);
    this.maxEjectionTime = Math.max(
      this.baseEjectionTime,
      positive('maxEjectionTime', options.maxEjectionTime, 300_000),
    );
    const percent = options.maxEjectionPercent ?? 10;
    if (typeof percent !== 'number' || !(percent >= 0 && percent <= 100)) {
      throw new InvalidOutlierOptionError('maxEjectionPercent', 'expected a percent from 0 to 100');
    }
    this.maxEjectionPercent = percent;
    this.interval = positive('interval', options.interval, 10_000);
    this.#now = options.now ?? Date.now;
  }

  /**
   * One real request or session's outcome for `server`: ok, or a failure of
   * some `kind` (connect, reset, timeout, 5xx; shown in the ejection reason).
   * Cheap: a success allocates nothing.
   */
  report(server: Server, ok: boolean, kind = 'failure'): void {
    let state = this.#states.get(server);
    if (ok) {
      if (state !== undefined) state.failures = 0;
      return;
    }
    // Failures of sessions still finishing on an ejected server do not count.
    if (this.#stopped || server.ejected) return;
    if (state === undefined) {
      state = { failures: 0, ejections: 0, ejectedUntil: 0, decayFrom: 0 };
      this.#states.set(server, state);
    }
    if (++state.failures >= this.consecutiveFailures) this.#eject(server, state, kind);
  }

  /** An active health check passed: an ejected server returns now. */
  onActivePass(server: Server): void {
    if (!server.ejected) return;
    const state = this.#states.get(server);
    if (state !== undefined) this.#return(server, state, 'active health check passed');
    else this.pool.setEjected(server, false, 0, 'active health check passed');
  }

  /** Per-server state, for status pages. */
  status(): OutlierStatus[] {
    return this.pool.servers().map((server) => {
      const state = this.#states.get(server);
      return {
        server: server.name,
        ejected: server.ejected,
        ejections: state?.ejections ?? 0,
        consecutiveFailures: state?.failures ?? 0,
        ejectedUntil: server.ejected ? (state?.ejectedUntil ?? 0) : 0,
      };
    });
  }

  /** Stops the sweep timer; by default returns the servers it ejected. */
  stop(options: OutlierStopOptions = {}): void {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    if (!(options.restore ?? true)) return;
    for (const server of this.pool.servers()) {
      const state = this.#states.get(server);
      if (server.ejected && state !== undefined && state.ejectedUntil > 0) {
        this.#return(server, state, 'outlier detection stopped');
      }
    }
  }

  /** Ejects unless the pool is a single server or maxEjectionPercent is reached. */
  #eject(server: Server, state: OutlierState, kind: string): void {
    const failures = state.failures;
    // Another run of failures is needed before the next attempt.
    state.failures = 0;
    const servers = this.pool.servers();
    if (servers.length < 2) return;
    let ejected = 0;
    for (const s of servers) if (s.ejected) ejected++;
    if (ejected * 100 >= servers.length * this.maxEjectionPercent) return;
    state.ejections++;
    const duration = Math.min(this.baseEjectionTime * state.ejections, this.maxEjectionTime);
    state.ejectedUntil = this.#now() + duration;
    this.pool.setEjected(server, true, duration, `${failures} consecutive failures (last: ${kind})`);
    this.#startSweeping();
  }

  #return(server: Server, state: OutlierState, reason: string): void {
    state.ejectedUntil = 0;
    state.failures = 0;
    state.decayFrom = this.#now();
    this.pool.setEjected(server, false, 0, reason);
  }

  #startSweeping(): void {
    if (this.#timer !== undefined || this.#stopped) return;
    this.#timer = setInterval(() => this.#sweep(), this.interval);
    this.#timer.unref();
  }

  /** Returns servers whose time is up and decays ejection counts; idles when nothing is left. */
  #sweep(): void {
    const now = this.#now();
    let busy = false;
    for (const server of this.pool.servers()) {
      const state = this.#states.get(server);
      if (state === undefined) continue;
      if (server.ejected && state.ejectedUntil > 0) {
        if (now >= state.ejectedUntil) this.#return(server, state, 'ejection time elapsed');
        busy = true;
      } else if (state.ejections > 0) {
        if (now - state.decayFrom >= this.interval) {
          state.ejections--;
          state.decayFrom = now;
        }
        busy ||= state.ejections > 0;
      }
    }
    if (!busy && this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }
}

function positive(option: string, value: number | undefined, fallback: number, int = false): number {
  if (value === undefined) return fallback;
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value <= 0 ||
    (int && !Number.isInteger(value))
  ) {
    throw new InvalidOutlierOptionError(
      option,
      int ? 'expected a positive integer' : 'expected a positive number',
    );
  }
  return value;
}
