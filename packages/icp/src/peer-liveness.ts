import { icpChannels } from './channels.js';
import { InvalidIcpOptionError } from './errors.js';
import type { IcpPeer } from './peer.js';

export interface PeerLivenessOptions {
  /** Consecutive unanswered queries after which a peer is dead; default 3. */
  readonly deadAfter?: number | undefined;
  /** How often a dead peer is sent a query again to see if it is back (ms); default 10,000. */
  readonly probeInterval?: number | undefined;
}

/** What the client knows about one peer. */
export interface PeerStatus {
  peer: IcpPeer;
  alive: boolean;
  /** Consecutive queries whose window closed without a reply from this peer. */
  unanswered: number;
  /** When the last query went to this peer while it was dead (ms, performance.now()). */
  lastProbeAt: number;
}

/** How the client treats a peer for one query. */
export type PeerRole = 'expect' | 'probe' | 'skip';

/**
 * Dead-peer marking: a peer that leaves `deadAfter` queries in a row
 * unanswered is dead and no longer waited for; every `probeInterval` it is
 * sent a query again (not waited for), and any reply brings it back. Peer
 * transitions are published on the `lvs7:icp:peer` channel.
 */
export class PeerLiveness {
  readonly deadAfter: number;
  readonly probeInterval: number;

  constructor(options: PeerLivenessOptions = {}) {
    this.deadAfter = options.deadAfter ?? 3;
    this.probeInterval = options.probeInterval ?? 10_000;
    if (!Number.isInteger(this.deadAfter) || this.deadAfter < 1) {
      throw new InvalidIcpOptionError('deadAfter', 'expected an integer ≥ 1');
    }
    if (!(this.probeInterval >= 0)) throw new InvalidIcpOptionError('probeInterval', 'expected ms ≥ 0');
  }

  create(peer: IcpPeer): PeerStatus {
    return { peer, alive: true, unanswered: 0, lastProbeAt: 0 };
  }

  /** Decides whether this query goes to the peer, and whether to wait for it. */
  role(status: PeerStatus, now: number): PeerRole {
    if (status.alive) return 'expect';
    if (now - status.lastProbeAt < this.probeInterval) return 'skip';
    status.lastProbeAt = now;
    return 'probe';
  }

  answered(status: PeerStatus): void {
    status.unanswered = 0;
    if (!status.alive) this.#transition(status, true);
  }

  unanswered(status: PeerStatus, now: number): void {
    status.unanswered++;
    if (status.alive && status.unanswered >= this.deadAfter) {
      status.lastProbeAt = now;
      this.#transition(status, false);
    }
  }

  #transition(status: PeerStatus, alive: boolean): void {
    status.alive = alive;
    if (icpChannels.peer.hasSubscribers) {
      icpChannels.peer.publish({ peer: status.peer, alive, unanswered: status.unanswered });
    }
  }
}
