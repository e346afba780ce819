import type { Logger } from 'pino';
import { siteChannels } from './channels.js';
import { PeerPollFailedError } from './errors.js';
import type { PeerSiteOptions } from './options.js';
import { type PeerReport, parsePeerSite } from './peer-report.js';

export type FetchFunction = (url: string, init: { signal: AbortSignal }) => Promise<Response>;

export interface PeerPollerOptions {
  /** This site's name (for events). */
  readonly site: string;
  readonly peers: readonly PeerSiteOptions[];
  readonly timeoutMs: number;
  readonly logger?: Logger | undefined;
  /** Default the global fetch (undici is not a dependency of this package). */
  readonly fetch?: FetchFunction | undefined;
  readonly now?: (() => number) | undefined;
}

/**
 * Reads every peer site's `/api/site` (in parallel, each with its own
 * timeout) and keeps the last good answer of each. A failed poll keeps the
 * previous numbers but not their freshness: `lastSeen` stays where it was,
 * and the overflow controller stops trusting a report that grew stale.
 */
export class PeerPoller {
  readonly #options: PeerPollerOptions;
  readonly #fetch: FetchFunction;
  readonly #now: () => number;
  readonly #reports = new Map<string, PeerReport>();

  constructor(options: PeerPollerOptions) {
    this.#options = options;
    this.#fetch = options.fetch ?? ((url, init) => fetch(url, init));
    this.#now = options.now ?? Date.now;
    for (const peer of options.peers) {
      this.#reports.set(peer.name, {
        name: peer.name,
        address: peer.address,
        load: undefined,
        capacity: undefined,
        announcing: false,
        lastSeen: undefined,
        error: undefined,
      });
    }
  }

  reports(): readonly PeerReport[] {
    return [...this.#reports.values()];
  }

  /** Polls every peer once; never rejects. */
  async pollAll(): Promise<readonly PeerReport[]> {
    await Promise.all(this.#options.peers.map((peer) => this.#poll(peer)));
    return this.reports();
  }

  async #poll(peer: PeerSiteOptions): Promise<void> {
    const before = this.#reports.get(peer.name)!;
    try {
      const view = parsePeerSite(peer.name, await this.#get(peer));
      this.#reports.set(peer.name, { ...before, ...view, lastSeen: this.#now(), error: undefined });
      if (before.error !== undefined || before.lastSeen === undefined)
        this.#reachable(peer, true, 'answering');
    } catch (err) {
      const message = (err as Error).message;
      this.#reports.set(peer.name, { ...before, error: message });
      if (before.error === undefined) this.#reachable(peer, false, message);
    }
  }

  async #get(peer: PeerSiteOptions): Promise<unknown> {
    let response: Response;
    try {
      response = await this.#fetch(`${peer.admin}/api/site`, {
        signal: AbortSignal.timeout(this.#options.timeoutMs),
      });
    } catch (err) {
      const reason =
        (err as Error).name === 'TimeoutError'
          ? `no answer within ${this.#options.timeoutMs} ms`
          : causeOf(err as Error);
      throw new PeerPollFailedError(peer.name, reason, { cause: err });
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new PeerPollFailedError(peer.name, `/api/site answered ${response.status}`);
    }
    try {
      return await response.json();
    } catch (err) {
      throw new PeerPollFailedError(peer.name, `/api/site: ${(err as Error).message}`, { cause: err });
    }
  }

  #reachable(peer: PeerSiteOptions, reachable: boolean, message: string): void {
    const event = { site: this.#options.site, peer: peer.name, reachable, message };
    siteChannels.peer.publish(event);
    if (reachable) this.#options.logger?.info(event, 'peer site answering');
    else this.#options.logger?.warn(event, 'peer site not answering');
  }
}

/** fetch() hides the socket error behind "fetch failed": show ECONNREFUSED and friends. */
function causeOf(err: Error): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? err.message;
}
