import { InvalidHealthCheckOptionError } from '../errors.js';

export interface HealthSessionOptions {
  /** Time between checks while the state is settled and up (ms); default 2000 (HAProxy `inter`). */
  readonly interval?: number | undefined;
  /** A check that has not finished after this long fails (ms); default `interval`, as HAProxy. */
  readonly timeout?: number | undefined;
  /** Consecutive passes that bring a down server up; default 2. */
  readonly rise?: number | undefined;
  /** Consecutive failures that take an up server down; default 3. */
  readonly fall?: number | undefined;
  /** Interval while a transition is pending (`fastinter`); default `interval`. */
  readonly fastInterval?: number | undefined;
  /** Interval while the server is down (`downinter`); default `interval`. */
  readonly downInterval?: number | undefined;
  /**
   * Random spread of each interval, in percent (±); default 10. When > 0 the
   * first check also waits a random part of one interval, so a restart does
   * not check every server at once; with 0 the first check runs at once.
   */
  readonly jitter?: number | undefined;
  /** Injected randomness and clock, for tests. */
  readonly random?: (() => number) | undefined;
  readonly now?: (() => number) | undefined;
}

export interface ResolvedHealthSessionOptions {
  readonly interval: number;
  readonly timeout: number;
  readonly rise: number;
  readonly fall: number;
  readonly fastInterval: number;
  readonly downInterval: number;
  readonly jitter: number;
  readonly random: () => number;
  readonly now: () => number;
}

/** Applies the defaults and validates (throws InvalidHealthCheckOptionError naming `type`). */
export function resolveHealthSessionOptions(
  options: HealthSessionOptions,
  type = 'health',
): ResolvedHealthSessionOptions {
  const positive = (
    key: keyof HealthSessionOptions,
    value: number | undefined,
    fallback: number,
    int = false,
  ) => {
    if (value === undefined) return fallback;
    if (
      typeof value !== 'number' ||
      !Number.isFinite(value) ||
      value <= 0 ||
      (int && !Number.isInteger(value))
    ) {
      throw new InvalidHealthCheckOptionError(
        type,
        key,
        int ? 'expected a positive integer' : 'expected a positive number',
      );
    }
    return value;
  };
  const interval = positive('interval', options.interval, 2000);
  const jitter = options.jitter ?? 10;
  if (typeof jitter !== 'number' || !(jitter >= 0 && jitter <= 100)) {
    throw new InvalidHealthCheckOptionError(type, 'jitter', 'expected a percent from 0 to 100');
  }
  return {
    interval,
    timeout: positive('timeout', options.timeout, interval),
    rise: positive('rise', options.rise, 2, true),
    fall: positive('fall', options.fall, 3, true),
    fastInterval: positive('fastInterval', options.fastInterval, interval),
    downInterval: positive('downInterval', options.downInterval, interval),
    jitter,
    random: options.random ?? Math.random,
    now: options.now ?? Date.now,
  };
}
