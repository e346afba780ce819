import type { PeerReport } from './peer-report.js';

/** Where one new session goes instead of a local server: the peer's unicast address, on the listener's port. */
export interface OverflowTarget {
  readonly peer: string;
  readonly address: string;
}

export interface OverflowControllerOptions {
  /** Local load above which overflow starts (e.g. 1.1). */
  readonly above: number;
  /** Only peers below this load start receiving (e.g. 0.7). */
  readonly peerBelow: number;
  /** Overflow stops below `above - hysteresis` (load without it); peers keep receiving up to `peerBelow + hysteresis`. */
  readonly hysteresis: number;
  /** Largest change of the share per update (0–1]. */
  readonly maxStep: number;
  /** Largest share ever forwarded (0–1). */
  readonly maxShare: number;
  /** A peer report older than this is not trusted (ms); lvs7 uses 3 × the poll interval. */
  readonly staleAfterMs: number;
  readonly now?: (() => number) | undefined;
}

/** The local side of an update: this site's load and capacity (sessions at load 1.0). */
export interface LocalLoad {
  readonly load: number;
  readonly capacity: number | undefined;
}

export interface OverflowPeerStats {
  readonly peer: string;
  readonly address: string;
  readonly load: number | undefined;
  readonly eligible: boolean;
  /** Fraction of the forwarded sessions this peer gets now. */
  readonly weight: number;
  /** Sessions sent to it since start. */
  readonly forwarded: number;
}

export interface OverflowStats {
  readonly active: boolean;
  /** Fraction of new sessions forwarded now. */
  readonly share: number;
  /** The local load there would be without overflow (measured load / (1 - share)). */
  readonly demand: number;
  readonly reason: string;
  readonly peers: readonly OverflowPeerStats[];
}

interface Slot {
  target: OverflowTarget;
  eligible: boolean;
  load: number | undefined;
  weight: number;
  current: number;
  forwarded: number;
}

/**
 * Decides, per new session, whether it goes to a peer site instead of a
 * local server. `update` (at the poll interval) does the thinking;
 * `decide` (per session) only spends credit: every session adds `share`,
 * a whole unit of credit forwards one session, and a smooth weighted
 * round robin spreads forwarded sessions over the light peers in
 * proportion to their spare capacity. No randomness, no allocation.
 *
 * Hysteresis: overflow starts when the measured load exceeds `above` and
 * stops only when the demand (the load there would be without forwarding)
 * falls below `above - hysteresis`; stopping then cannot push the load back
 * over `above`. The share moves at most `maxStep` per update and aims at a
 * local load of `above - hysteresis`. A peer's weight tapers to zero as its
 * load nears `peerBelow + hysteresis`, so it never drops out abruptly.
 */
export class OverflowController {
  readonly #options: OverflowControllerOptions;
  readonly #now: () => number;
  readonly #slots = new Map<string, Slot>();
  #targets: Slot[] = [];
  #totalWeight = 0;
  #active = false;
  #share = 0;
  #credit = 0;
  #demand = 0;
  #reason = 'no update yet';

  constructor(options: OverflowControllerOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  get active(): boolean {
    return this.#active;
  }

  get share(): number {
    return this.#share;
  }

  get reason(): string {
    return this.#reason;
  }

  /** Per new session (not for sessions already marked as overflow): a peer to send it to, or undefined. */
  decide(): OverflowTarget | undefined {
    if (this.#share <= 0) return undefined;
    this.#credit += this.#share;
    if (this.#credit < 1) return undefined;
    this.#credit -= 1;
    const targets = this.#targets;
    let best: Slot | undefined;
    for (let i = 0; i < targets.length; i++) {
      const slot = targets[i]!;
      slot.current += slot.weight;
      if (best === undefined || slot.current > best.current) best = slot;
    }
    if (best === undefined) return undefined;
    best.current -= this.#totalWeight;
    best.forwarded++;
    return best.target;
  }

  /** New measurements; returns true when `active` flipped. */
  update(local: LocalLoad, peers: readonly PeerReport[]): boolean {
    const o = this.#options;
    const room = this.#updatePeers(peers);
    const release = o.above - o.hysteresis;
    const demand = local.load / (1 - this.#share);
    const wasActive = this.#active;
    const light = this.#targets.length > 0;
    if (!this.#active && local.load > o.above && light) this.#active = true;
    else if (this.#active && (!light || demand < release)) this.#active = false;
    let desired = this.#active ? Math.min(Math.max(1 - release / demand, 0), o.maxShare) : 0;
    if (this.#active && room !== undefined && local.capacity !== undefined && local.capacity > 0) {
      // Never plan to send more than the light peers can take before they stop being light.
      desired = Math.min(desired, this.#share + room / (demand * local.capacity));
    }
    const step = Math.min(Math.max(desired - this.#share, -o.maxStep), o.maxStep);
    this.#share = this.#active ? Math.max(0, this.#share + step) : 0;
    if (this.#share === 0) this.#credit = 0;
    this.#demand = demand;
    this.#reason = this.#explain(local.load, demand, light);
    return wasActive !== this.#active;
  }

  stats(): OverflowStats {
    const peers: OverflowPeerStats[] = [];
    for (const slot of this.#slots.values()) {
      peers.push({
        peer: slot.target.peer,
        address: slot.target.address,
        load: slot.load,
        eligible: slot.eligible,
        weight: slot.eligible && this.#totalWeight > 0 ? slot.weight / this.#totalWeight : 0,
        forwarded: slot.forwarded,
      });
    }
    return { active: this.#active, share: this.#share, demand: this.#demand, reason: this.#reason, peers };
  }

  /** Re-rates every peer; returns the sessions the light peers can still take, or undefined when unknown. */
  #updatePeers(peers: readonly PeerReport[]): number | undefined {
    const o = this.#options;
    const now = this.#now();
    const ceiling = o.peerBelow + o.hysteresis;
    const seen = new Set<string>();
    const targets: Slot[] = [];
    let room: number | undefined = 0;
    let total = 0;
    for (const report of peers) {
      seen.add(report.name);
      const slot = this.#slot(report.name, report.address);
      const fresh = report.lastSeen !== undefined && now - report.lastSeen <= o.staleAfterMs;
      const limit = slot.eligible ? ceiling : o.peerBelow;
      slot.eligible = fresh && report.announcing && report.load !== undefined && report.load < limit;
      slot.load = report.load;
      slot.current = 0;
      slot.weight = 0;
      if (!slot.eligible) continue;
      const spare = ceiling - (report.load ?? ceiling);
      slot.weight = spare * (report.capacity ?? 1);
      if (report.capacity === undefined) room = undefined;
      else if (room !== undefined) room += spare * report.capacity;
      total += slot.weight;
      targets.push(slot);
    }
    for (const [name, slot] of this.#slots) {
      if (!seen.has(name)) this.#slots.delete(name);
      else if (slot.eligible && slot.weight <= 0) slot.eligible = false;
    }
    this.#targets = targets.filter((slot) => slot.weight > 0);
    this.#totalWeight = total;
    return room;
  }

  #slot(name: string, address: string): Slot {
    let slot = this.#slots.get(name);
    if (slot === undefined || slot.target.address !== address) {
      slot = {
        target: Object.freeze({ peer: name, address }),
        eligible: false,
        load: undefined,
        weight: 0,
        current: 0,
        forwarded: slot?.forwarded ?? 0,
      };
      this.#slots.set(name, slot);
    }
    return slot;
  }

  #explain(load: number, demand: number, light: boolean): string {
    const o = this.#options;
    const l = (n: number) => String(Math.round(n * 100) / 100);
    if (!this.#active) {
      if (!light) return `no peer below ${o.peerBelow}`;
      return `load ${l(load)} <= ${o.above}`;
    }
    const peers = this.#targets.map((s) => `${s.target.peer} at ${l(s.load ?? 0)}`).join(', ');
    return `load ${l(demand)} > ${o.above} (${l(load)} after overflow); light peers: ${peers}`;
  }
}
