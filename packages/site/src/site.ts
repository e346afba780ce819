import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { type AnnounceDecision, decideAnnounce } from './announce-decision.js';
import { siteChannels } from './channels.js';
import { type ResolvedSiteOptions, resolveSiteOptions, type SiteOptions } from './options.js';
import { OverflowController, type OverflowStats, type OverflowTarget } from './overflow-controller.js';
import { OverflowTraffic, type OverflowTrafficEntry } from './overflow-traffic.js';
import { type FetchFunction, PeerPoller } from './peer-poller.js';
import type { PeerReport } from './peer-report.js';
import { type MeasuredPool, measureSite, type PoolHealth, type SiteMeasurement } from './site-load.js';
import { type SiteRoute, siteRoutes } from './site-routes.js';

export interface SiteRuntime {
  /** The pools the VIP listeners route to, read on every measurement (pools change on reload). */
  readonly pools: () => Iterable<MeasuredPool>;
  readonly logger?: Logger | undefined;
  readonly fetch?: FetchFunction | undefined;
  readonly now?: (() => number) | undefined;
}

export interface SiteEvents {
  /** `announcing` or overflow's `active` changed. */
  change: [];
  /** Drain was asked for: the VIP is being withdrawn; sessions finish. */
  drain: [];
}

/** The body of `GET /api/site`. */
export interface SiteView {
  readonly name: string;
  readonly vip: string;
  readonly address: string;
  readonly load: number;
  readonly capacity: number | null;
  readonly active: number;
  readonly announcing: boolean;
  readonly announceReason: string;
  readonly draining: boolean;
  readonly healthyShare: number;
  readonly minHealthy: number;
  readonly pools: readonly PoolHealth[];
  readonly overflow: OverflowStats & {
    readonly enabled: boolean;
    /** What the listeners did: sent to, failed to reach, received from each peer. */
    readonly traffic: readonly OverflowTrafficEntry[];
  };
  readonly peers: ReadonlyArray<{
    readonly name: string;
    readonly address: string;
    readonly load: number | null;
    readonly announcing: boolean;
    readonly lastSeen: string | null;
    readonly error: string | null;
  }>;
}

/**
 * One site of an anycast group: measures its load and health from the VIP
 * pools, says whether it should carry the VIP (the announcer polls that),
 * reads its peers' load at the overflow interval and keeps the
 * OverflowController up to date. It does no BGP and proxies nothing: the
 * announcer talks to ExaBGP, listeners call `decide()`.
 */
export class Site extends EventEmitter<SiteEvents> {
  readonly options: ResolvedSiteOptions;
  readonly overflow: OverflowController;
  /** Counted by the listeners that forward and receive overflow. */
  readonly traffic = new OverflowTraffic();
  readonly #runtime: SiteRuntime;
  readonly #poller: PeerPoller;
  readonly #logger: Logger | undefined;
  #timer: NodeJS.Timeout | undefined;
  #started = false;
  #draining = false;
  #lastAnnounce: boolean | undefined;

  constructor(options: SiteOptions, runtime: SiteRuntime) {
    super();
    this.options = resolveSiteOptions(options);
    this.#runtime = runtime;
    this.#logger = runtime.logger;
    const o = this.options.overflow;
    this.overflow = new OverflowController({
      above: o.above,
      peerBelow: o.peerBelow,
      hysteresis: o.hysteresis,
      maxStep: o.maxStep,
      maxShare: o.maxShare,
      staleAfterMs: 3 * o.intervalMs,
      now: runtime.now,
    });
    this.#poller = new PeerPoller({
      site: this.options.name,
      peers: this.options.peers,
      timeoutMs: o.timeoutMs,
      logger: runtime.logger,
      fetch: runtime.fetch,
      now: runtime.now,
    });
  }

  get name(): string {
    return this.options.name;
  }

  get draining(): boolean {
    return this.#draining;
  }

  /** Whether this site should carry the VIP now. */
  get announcing(): boolean {
    return this.announceDecision().announce;
  }

  /** Starts reading peers; the site announces only once started (call it after the listeners are up). */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.announceDecision();
    const loop = async () => {
      try {
        await this.tick();
      } catch (err) {
        // A broken pools() provider must not stop the loop (or crash the process).
        this.#logger?.error({ err, site: this.name }, 'site update failed');
      }
      if (this.#started) this.#timer = setTimeout(loop, this.options.overflow.intervalMs).unref();
    };
    void loop();
  }

  stop(): void {
    this.#started = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** One round: poll every peer, then update the overflow controller. start() runs it each interval. */
  async tick(): Promise<void> {
    const reports = await this.#poller.pollAll();
    this.update(reports);
    this.announceDecision();
  }

  /** Feeds the controller (exposed for tests and for callers that poll peers themselves). */
  update(reports: readonly PeerReport[]): void {
    if (!this.options.overflow.enabled) return;
    const m = this.measure();
    const flipped = this.overflow.update({ load: m.load, capacity: m.capacity }, reports);
    if (!flipped) return;
    const event = {
      site: this.name,
      active: this.overflow.active,
      share: this.overflow.share,
      reason: this.overflow.reason,
    };
    siteChannels.overflow.publish(event);
    this.#logger?.info(event, this.overflow.active ? 'overflow to peer sites started' : 'overflow stopped');
    this.emit('change');
  }

  /** What the peers last reported (a worker process's Site is fed these by its primary). */
  peerReports(): readonly PeerReport[] {
    return this.#poller.reports();
  }

  /** Per new session: a peer site to send it to, or undefined to serve it here. */
  decide(): OverflowTarget | undefined {
    return this.overflow.decide();
  }

  /** The peer site whose unicast address `address` is (IPv4-mapped IPv6 is matched as IPv4). */
  peerAt(address: string): string | undefined {
    const plain = address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
    for (const peer of this.options.peers) if (peer.address === plain) return peer.name;
    return undefined;
  }

  measure(): SiteMeasurement {
    return measureSite(this.#runtime.pools(), this.options.capacity);
  }

  /** Decides (and publishes a change of) whether to carry the VIP. */
  announceDecision(): AnnounceDecision {
    const decision = decideAnnounce({
      healthyShare: this.measure().healthyShare,
      minHealthy: this.options.minHealthy,
      draining: this.#draining,
      ready: this.#started,
    });
    if (decision.announce !== this.#lastAnnounce) {
      this.#lastAnnounce = decision.announce;
      const event = { site: this.name, announcing: decision.announce, reason: decision.reason };
      siteChannels.announce.publish(event);
      this.#logger?.info(event, decision.announce ? 'site announcing the VIP' : 'site withdrawing the VIP');
      this.emit('change');
    }
    return decision;
  }

  /** Withdraws the VIP (the announcer sees 503) and keeps serving the sessions there are. */
  drain(): void {
    if (this.#draining) return;
    this.#draining = true;
    this.announceDecision();
    this.emit('drain');
  }

  /** Undoes drain(). */
  resume(): void {
    if (!this.#draining) return;
    this.#draining = false;
    this.announceDecision();
  }

  view(): SiteView {
    const m = this.measure();
    const decision = this.announceDecision();
    const round = (n: number) => Math.round(n * 10_000) / 10_000;
    return {
      name: this.name,
      vip: this.options.vip,
      address: this.options.address,
      load: round(m.load),
      capacity: m.capacity ?? null,
      active: m.active,
      announcing: decision.announce,
      announceReason: decision.reason,
      draining: this.#draining,
      healthyShare: round(m.healthyShare),
      minHealthy: this.options.minHealthy,
      pools: m.pools,
      overflow: {
        enabled: this.options.overflow.enabled,
        ...this.overflow.stats(),
        traffic: this.traffic.entries(),
      },
      peers: this.#poller.reports().map((p) => ({
        name: p.name,
        address: p.address,
        load: p.load ?? null,
        announcing: p.announcing,
        lastSeen: p.lastSeen === undefined ? null : new Date(p.lastSeen).toISOString(),
        error: p.error ?? null,
      })),
    };
  }

  /** Admin API routes: GET /api/site, GET /api/site/announce, POST /api/site/drain, POST /api/site/resume. */
  routes(): SiteRoute[] {
    return siteRoutes(this);
  }
}
