import { type IcpChoiceCode, IcpClient, type IcpPeer, type IcpSocket, isHit } from '@lvs7/icp';
import type { ResolvedPeer } from './options.js';

/** How a miss was forwarded, in Squid's access.log hierarchy codes. */
export type HierarchyCode = 'HIER_NONE' | 'HIER_DIRECT' | IcpChoiceCode;

/** One way to fetch a miss: a peer, or (no peer) the origin directly / through the origin pool. */
export interface Hop {
  readonly code: HierarchyCode;
  readonly peer?: ResolvedPeer | undefined;
}

export interface PlanOptions {
  /** Ask siblings too (misses); revalidations ask parents only. */
  readonly siblings: boolean;
  /**
   * Origin-form request going to the origin pool: only a peer's HIT is
   * used, never a parent's miss (the pool, not the parent, is the origin).
   */
  readonly accelerated: boolean;
}

const DIRECT: Hop = { code: 'HIER_DIRECT' };

/**
 * Squid's peer selection for a miss, over ICP (RFC 2186/2187): query every
 * live sibling and parent at once; a HIT is fetched from that peer
 * (SIBLING_HIT / PARENT_HIT), else through the best parent that answered
 * MISS (CLOSEST_PARENT_MISS when it reported an origin RTT, else
 * FIRST_PARENT_MISS), else directly. The returned hops are tried in order:
 * a sibling that turns out not to have the object falls through to the next.
 */
export class Peering {
  readonly #client: IcpClient;
  readonly #timeout: number;
  #peers: readonly ResolvedPeer[] = [];
  #icpPeers: readonly IcpPeer[] = [];
  readonly #byName = new Map<string, ResolvedPeer>();

  constructor(socket: IcpSocket, timeout: number, peers: readonly ResolvedPeer[]) {
    this.#client = new IcpClient({ socket, timeout });
    this.#timeout = timeout;
    this.setPeers(peers);
  }

  get peers(): readonly ResolvedPeer[] {
    return this.#peers;
  }

  /** ICP client counters and each peer's liveness. */
  get client(): IcpClient {
    return this.#client;
  }

  setPeers(peers: readonly ResolvedPeer[]): void {
    this.#peers = peers;
    this.#byName.clear();
    for (const peer of peers) this.#byName.set(peer.name, peer);
    this.#icpPeers = peers.map((p) => ({
      name: p.name,
      host: p.icp.host,
      port: p.icp.port,
      type: p.type,
      weight: p.weight,
    }));
  }

  /** The hops to try for `url`, best first; the last is always direct. */
  async plan(url: string, options: PlanOptions): Promise<Hop[]> {
    const asked = options.siblings ? this.#icpPeers : this.#icpPeers.filter((p) => p.type === 'parent');
    if (asked.length === 0) return [DIRECT];
    // SRC_RTT asks parents for their RTT to the origin (answered by Squid with netdb data): the closest parent wins.
    const result = await this.#client.query(url, asked, { timeout: this.#timeout, sourceRtt: true });
    const hops: Hop[] = [];
    const chosen = result.chosen;
    if (chosen !== undefined && isHit(chosen.reply.opcode)) {
      hops.push({ code: chosen.code, peer: this.#byName.get(chosen.peer.name ?? '') });
    }
    if (!options.accelerated) {
      for (const miss of result.parentMisses) {
        const closest = miss.sourceRttMs !== undefined && miss.sourceRttMs > 0;
        hops.push({
          code: closest ? 'CLOSEST_PARENT_MISS' : 'FIRST_PARENT_MISS',
          peer: this.#byName.get(miss.peer.name ?? ''),
        });
      }
    }
    hops.push(DIRECT);
    return hops.filter((hop) => hop.code === 'HIER_DIRECT' || hop.peer !== undefined);
  }

  close(): void {
    this.#client.close();
  }
}
