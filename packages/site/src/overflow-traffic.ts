/** What happened to one overflowed session or request. */
export type OverflowTrafficEvent = 'forwarded' | 'failed' | 'received';

/** Counters of one listener towards (or from) one peer site. */
export interface OverflowTrafficEntry {
  readonly listener: string;
  readonly protocol: string;
  readonly peer: string;
  /** Sent to the peer. */
  forwarded: number;
  /** Could not reach the peer: served here instead. */
  failed: number;
  /** Arrived marked from the peer: served here, never forwarded again. */
  received: number;
}

/**
 * What the listeners did with overflow, by listener, protocol and peer:
 * the controller decides, this counts what actually went where (a request
 * the peer could not take is counted failed and served locally).
 */
export class OverflowTraffic {
  readonly #entries = new Map<string, OverflowTrafficEntry>();

  record(event: OverflowTrafficEvent, listener: string, protocol: string, peer: string): void {
    const key = `${listener}\u0000${protocol}\u0000${peer}`;
    let entry = this.#entries.get(key);
    if (entry === undefined) {
      entry = { listener, protocol, peer, forwarded: 0, failed: 0, received: 0 };
      this.#entries.set(key, entry);
    }
    entry[event]++;
  }

  entries(): OverflowTrafficEntry[] {
    return [...this.#entries.values()].map((e) => ({ ...e }));
  }
}
