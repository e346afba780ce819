interface Entry {
  failures: number;
  lastAt: number;
}

export interface AuthPenaltyOptions {
  /** The delay of a first failure (ms); 0 turns delays off. */
  readonly baseDelay: number;
  /** Failures older than this are forgotten; default 5 min. */
  readonly windowMs?: number | undefined;
  readonly maxEntries?: number | undefined;
  readonly now?: (() => number) | undefined;
}

const MAX_DOUBLINGS = 3;

/**
 * Per client IP and per user failure counts (as Dovecot's anvil penalty):
 * a failed login is answered after baseDelay, doubled for each recent
 * failure of the same IP or user, up to 8×. Successful logins are never
 * delayed. Bounded: the oldest entries go first.
 */
export class AuthPenalty {
  readonly baseDelay: number;
  readonly #windowMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();

  constructor(options: AuthPenaltyOptions) {
    this.baseDelay = options.baseDelay;
    this.#windowMs = options.windowMs ?? 5 * 60_000;
    this.#maxEntries = options.maxEntries ?? 100_000;
    this.#now = options.now ?? Date.now;
  }

  /** Records a failure and returns how long to wait before replying (ms). */
  failed(ip: string, user: string | undefined): number {
    const count = Math.max(
      this.#bump(`ip:${ip}`),
      user === undefined ? 0 : this.#bump(`user:${user.toLowerCase()}`),
    );
    return this.baseDelay * 2 ** Math.min(count - 1, MAX_DOUBLINGS);
  }

  /** A successful login clears the user's count (not the IP's: one good account does not excuse guessing). */
  succeeded(user: string): void {
    this.#entries.delete(`user:${user.toLowerCase()}`);
  }

  /** Recent failures of an IP or user. */
  failures(ip: string, user?: string): number {
    const now = this.#now();
    const live = (key: string) => {
      const e = this.#entries.get(key);
      return e !== undefined && now - e.lastAt < this.#windowMs ? e.failures : 0;
    };
    return Math.max(live(`ip:${ip}`), user === undefined ? 0 : live(`user:${user.toLowerCase()}`));
  }

  #bump(key: string): number {
    const now = this.#now();
    let entry = this.#entries.get(key);
    if (entry === undefined || now - entry.lastAt >= this.#windowMs) entry = { failures: 0, lastAt: now };
    entry.failures++;
    entry.lastAt = now;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    if (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    return entry.failures;
  }
}
