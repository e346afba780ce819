/**
 * Counts a listener's client connections, in total and per client IP, and
 * says whether one more may be accepted. 0 means unlimited.
 */
export class ConnectionLimiter {
  maxConnections: number;
  maxPerIp: number;
  #total = 0;
  readonly #perIp = new Map<string, number>();

  constructor(maxConnections: number, maxPerIp: number) {
    this.maxConnections = maxConnections;
    this.maxPerIp = maxPerIp;
  }

  get total(): number {
    return this.#total;
  }

  of(ip: string): number {
    return this.#perIp.get(ip) ?? 0;
  }

  /** Takes a slot for `ip`, or returns false when a limit is reached (nothing taken then). */
  acquire(ip: string): boolean {
    const current = this.#perIp.get(ip) ?? 0;
    if (this.maxConnections > 0 && this.#total >= this.maxConnections) return false;
    if (this.maxPerIp > 0 && current >= this.maxPerIp) return false;
    this.#total++;
    this.#perIp.set(ip, current + 1);
    return true;
  }

  release(ip: string): void {
    const current = this.#perIp.get(ip) ?? 0;
    if (current <= 1) this.#perIp.delete(ip);
    else this.#perIp.set(ip, current - 1);
    this.#total = Math.max(0, this.#total - 1);
  }
}
