import type { ListenerStatsView } from '@lvs7/admin';
import type { Config, ListenerConfig } from '@lvs7/config';
import type { Logger } from 'pino';
import { createListener, type ListenerContext, type RunningListener } from './listener-factory.js';
import type { SiteOverflow } from './site-overflow.js';
import { bindSiteSocket, siteSocketWanted } from './site-runtime.js';
import type { SiteSocket } from './site-socket.js';

interface ListenerEntry {
  readonly listener: RunningListener;
  readonly listen: string;
  readonly protocol: string;
  /** A VIP listener's second socket, on the site's own address. */
  readonly siteSocket?: SiteSocket | undefined;
}

/**
 * The running listeners of an instance, by name. Applying a config updates
 * a listener in place when its address and protocol stay (sockets and
 * connections carry on), replaces it otherwise (the old one drains), and
 * starts the new ones — with their second socket on the site's address
 * when they serve the VIP.
 */
export class ListenerSet {
  readonly #entries = new Map<string, ListenerEntry>();
  readonly #drainTimeoutMs: number;
  readonly #logger: Logger;

  constructor(drainTimeoutMs: number, logger: Logger) {
    this.#drainTimeoutMs = drainTimeoutMs;
    this.#logger = logger;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(name: string): RunningListener | undefined {
    return this.#entries.get(name)?.listener;
  }

  listeners(): RunningListener[] {
    return [...this.#entries.values()].map((e) => e.listener);
  }

  stats(): ListenerStatsView[] {
    const out: ListenerStatsView[] = [];
    for (const entry of this.#entries.values()) {
      const stats = entry.listener.stats?.();
      if (stats) out.push(stats);
    }
    return out;
  }

  async apply(
    config: Config,
    contextFor: (config: ListenerConfig) => ListenerContext,
    site: SiteOverflow | undefined,
  ): Promise<void> {
    const wanted = new Map(config.listeners.map((l) => [l.name, l]));
    const closing: Promise<void>[] = [];
    for (const [name, entry] of this.#entries) {
      const next = wanted.get(name);
      if (next && next.listen === entry.listen && next.protocol === entry.protocol && entry.listener.update) {
        entry.listener.update(next, contextFor(next));
        continue;
      }
      this.#entries.delete(name);
      closing.push(this.#close(entry));
    }
    await Promise.all(closing);
    for (const [name, listenerConfig] of wanted) {
      if (this.#entries.has(name)) continue;
      const listener = createListener(listenerConfig, contextFor(listenerConfig));
      await listener.listen();
      let siteSocket: SiteSocket | undefined;
      if (site && siteSocketWanted(listenerConfig, site.site)) {
        siteSocket = bindSiteSocket(listenerConfig, listener, site.site, this.#logger);
        try {
          await siteSocket.listen();
        } catch (error) {
          await listener.close({ drainTimeoutMs: 0 });
          throw error;
        }
      }
      this.#entries.set(name, {
        listener,
        listen: listenerConfig.listen,
        protocol: listenerConfig.protocol,
        siteSocket,
      });
    }
  }

  /** Stops accepting everywhere; sessions finish (up to the drain timeout). */
  async close(): Promise<void> {
    await Promise.all([...this.#entries.values()].map((e) => this.#close(e)));
    this.#entries.clear();
  }

  async #close(entry: ListenerEntry): Promise<void> {
    await Promise.all([
      entry.siteSocket?.close(),
      entry.listener.close({ drainTimeoutMs: this.#drainTimeoutMs }),
    ]);
  }
}
