import diagnosticsChannel from 'node:diagnostics_channel';
import { EventEmitter } from 'node:events';
import {
  channels,
  type HealthCheckEvent,
  type HealthEvent,
  type HealthSession,
  healthCheckChannel,
  type LocalHealthEvent,
  localHealthChannel,
  type Pool,
  type Server,
} from '@lvs7/core';
import { combineVerdict, decodeSnapshot, type HealthMode, type HealthSnapshot } from './health-verdict.js';
import type { RedisLink } from './internal/redis-link.js';
import { SnapshotExchange } from './internal/snapshot-exchange.js';

export interface HealthConsensusOptions {
  readonly pools: () => ReadonlyMap<string, Pool>;
  /** Default `local` (share observations, apply nothing). */
  readonly mode?: HealthMode | undefined;
  /** For `quorum`: instances that must see a server down (default a majority of those reporting on it). */
  readonly quorum?: number | undefined;
  /** Observations are re-stored this often (they are also published at once on every change); default 1 s. */
  readonly intervalMs?: number | undefined;
  /** A dead instance's observations vanish after this; default 3 × interval. */
  readonly ttlMs?: number | undefined;
  /**
   * The health session checking a server, if any. Its local verdict is this
   * instance's observation, and consensus holds it down (HealthSession.hold)
   * rather than setting the pool's state, so its checks never fight the
   * verdict. Servers without a session are observed through lvs7:health.
   */
  readonly session?: ((pool: string, server: Server) => HealthSession | undefined) | undefined;
}

export interface HealthConsensusEvents {
  /** The combined verdict was applied to a server (mode any/quorum). */
  verdict: [pool: string, server: Server, healthy: boolean];
  /** Other instances' observations changed (exchange or message) and were combined. */
  synced: [];
}

/**
 * Shares health observations between instances and, in `any`/`quorum`
 * mode, applies the combined verdict. This instance's observation of a
 * server is its own checks' verdict, never the verdict applied here, so
 * verdicts cannot echo around the cluster: for a checked server the
 * session's local verdict (lvs7:health:local), for any other the
 * lvs7:health transitions this class did not cause.
 *
 * A checked server that the others see down is held down on its session
 * (HealthSession.hold): its checks go on, the pool sees one down transition
 * and one up when the hold ends, never an up/down pair per `rise`.
 */
export class HealthConsensus extends EventEmitter<HealthConsensusEvents> {
  readonly mode: HealthMode;
  readonly #link: RedisLink;
  readonly #options: HealthConsensusOptions;
  readonly #exchange: SnapshotExchange;
  /** pool\0server → what this instance's own checks say (true = up). */
  readonly #local = new Map<string, boolean>();
  readonly #remote = new Map<string, HealthSnapshot>();
  #seq = Date.now();
  #applying = false;
  #running = false;
  readonly #onHealth = (message: unknown) => this.#onTransition(message as HealthEvent);
  readonly #onCheck = (message: unknown) => this.#onCheckResult(message as HealthCheckEvent);
  readonly #onLocal = (message: unknown) => this.#onLocalVerdict(message as LocalHealthEvent);

  constructor(link: RedisLink, options: HealthConsensusOptions) {
    super();
    this.#link = link;
    this.#options = options;
    this.mode = options.mode ?? 'local';
    const intervalMs = options.intervalMs ?? 1_000;
    this.#exchange = new SnapshotExchange(link, {
      kind: 'health',
      intervalMs,
      ttlMs: options.ttlMs ?? intervalMs * 3,
      snapshot: () => JSON.stringify(this.snapshot()),
      onOthers: (others) => this.#onOthers(others),
    });
    link.subscribe(link.keys.healthChannel, (message) => this.#onMessage(message));
    link.on('up', () => {
      if (this.#running) void this.share();
    });
  }

  start(): this {
    if (this.#running) return this;
    this.#running = true;
    diagnosticsChannel.subscribe(channels.health.name, this.#onHealth);
    diagnosticsChannel.subscribe(healthCheckChannel.name, this.#onCheck);
    diagnosticsChannel.subscribe(localHealthChannel.name, this.#onLocal);
    this.#exchange.start();
    return this;
  }

  stop(): void {
    if (!this.#running) return;
    this.#running = false;
    diagnosticsChannel.unsubscribe(channels.health.name, this.#onHealth);
    diagnosticsChannel.unsubscribe(healthCheckChannel.name, this.#onCheck);
    diagnosticsChannel.unsubscribe(localHealthChannel.name, this.#onLocal);
    this.#exchange.stop();
    // Without shared state, each server goes back to what this instance's own checks say.
    this.#remote.clear();
    if (this.mode === 'local') return;
    for (const [name, pool] of this.#options.pools()) {
      for (const server of pool.servers()) {
        const session = this.#session(name, server);
        if (session !== undefined) this.#applyHold(name, session, false, 'shared state stopped');
        else this.#apply(name, pool, server, this.#localUp(name, server), 'shared state stopped');
      }
    }
  }

  /** This instance's own observations of every server of every pool. */
  snapshot(): HealthSnapshot {
    const h: Record<string, Record<string, 0 | 1>> = {};
    const live = new Set<string>();
    for (const [name, pool] of this.#options.pools()) {
      const servers: Record<string, 0 | 1> = {};
      for (const server of pool.servers()) {
        servers[server.name] = this.#localUp(name, server) ? 1 : 0;
        live.add(`${name}\u0000${server.name}`);
      }
      h[name] = servers;
    }
    for (const id of this.#local.keys()) if (!live.has(id)) this.#local.delete(id); // servers that left
    return { n: this.#seq, h };
  }

  /** What each live instance (this one included) observes of a server: instance id → up. */
  observations(pool: string, server: string): Map<string, boolean> {
    const out = new Map<string, boolean>();
    const own = this.#options.pools().get(pool)?.get(server);
    if (own !== undefined) out.set(this.#link.instanceId, this.#localUp(pool, own));
    for (const [id, snapshot] of this.#remote) {
      const up = snapshot.h[pool]?.[server];
      if (up !== undefined) out.set(id, up === 1);
    }
    return out;
  }

  /** Stores and publishes this instance's observations now, then combines. */
  async share(): Promise<void> {
    this.#seq++;
    await this.#exchange.exchange();
    if (!this.#link.up) return;
    const message = JSON.stringify({ i: this.#link.instanceId, s: this.snapshot() });
    await this.#link.command.publish(this.#link.keys.healthChannel, message).catch(() => 0);
  }

  #session(pool: string, server: Server): HealthSession | undefined {
    const session = this.#options.session?.(pool, server);
    return session?.server === server ? session : undefined;
  }

  #localUp(pool: string, server: Server): boolean {
    const session = this.#session(pool, server);
    const id = `${pool}\u0000${server.name}`;
    if (session !== undefined) {
      this.#local.delete(id); // the session knows better, and a stale entry must not outlive it
      return session.localHealthy;
    }
    let up = this.#local.get(id);
    if (up === undefined) {
      up = server.healthy; // before any verdict of ours is applied: the server's own state
      this.#local.set(id, up);
    }
    return up;
  }

  /** The pool `event` belongs to, when it is one of this instance's (the channel is process-wide). */
  #ownPool(poolName: string, server: Server): Pool | undefined {
    const pool = this.#options.pools().get(poolName);
    return pool?.get(server.name) === server ? pool : undefined;
  }

  /** An effective transition: an observation only for a server no session of ours checks. */
  #onTransition(event: HealthEvent): void {
    if (this.#applying || this.#ownPool(event.pool, event.server) === undefined) return;
    if (this.#session(event.pool, event.server) !== undefined) return;
    const id = `${event.pool}\u0000${event.server.name}`;
    // server.healthy is already the new state: an unknown server counts as changed.
    const before = this.#local.get(id);
    this.#local.set(id, event.healthy);
    if (before !== event.healthy) this.#changed(event.pool, event.server);
  }

  /** A session's own verdict changed. */
  #onLocalVerdict(event: LocalHealthEvent): void {
    if (this.#ownPool(event.pool, event.server) === undefined) return;
    if (this.#session(event.pool, event.server) === undefined) return;
    this.#changed(event.pool, event.server);
  }

  /** Every check: a session that replaced another (reload) gets its hold at once. */
  #onCheckResult(event: HealthCheckEvent): void {
    if (this.#session(event.pool, event.server) === undefined) return;
    this.#combine(event.pool, event.server);
  }

  #changed(pool: string, server: Server): void {
    void this.share();
    // Not from inside the channel's publish: let the transition reach every subscriber first.
    queueMicrotask(() => this.#combine(pool, server));
  }

  #onOthers(others: ReadonlyMap<string, string>): void {
    for (const id of this.#remote.keys()) if (!others.has(id)) this.#remote.delete(id);
    for (const [id, text] of others) this.#update(id, decodeSnapshot(text));
    this.#combineAll();
    this.emit('synced');
  }

  #onMessage(message: string): void {
    let parsed: { i?: unknown; s?: unknown };
    try {
      parsed = JSON.parse(message) as typeof parsed;
    } catch {
      return;
    }
    if (typeof parsed.i !== 'string' || parsed.i === this.#link.instanceId) return;
    this.#update(parsed.i, decodeSnapshot(parsed.s));
    this.#combineAll();
    this.emit('synced');
  }

  #update(id: string, snapshot: HealthSnapshot | undefined): void {
    if (snapshot === undefined) return;
    const current = this.#remote.get(id);
    if (current === undefined || snapshot.n >= current.n) this.#remote.set(id, snapshot);
  }

  #combineAll(): void {
    for (const [name, pool] of this.#options.pools()) {
      for (const server of pool.servers()) this.#combine(name, server);
    }
  }

  #combine(poolName: string, server: Server): void {
    if (this.mode === 'local' || !this.#running) return;
    const pool = this.#ownPool(poolName, server);
    if (pool === undefined) return;
    const remote: boolean[] = [];
    for (const snapshot of this.#remote.values()) {
      const up = snapshot.h[poolName]?.[server.name];
      if (up !== undefined) remote.push(up === 1);
    }
    const { mode } = this;
    const quorum = this.#options.quorum;
    const verdict = combineVerdict(this.#localUp(poolName, server), remote, mode, quorum);
    const message = `health consensus (${mode}): ${verdict.down} of ${verdict.observers} instances see it down`;
    const session = this.#session(poolName, server);
    if (session === undefined) {
      this.#apply(poolName, pool, server, verdict.healthy, message);
      return;
    }
    // Held when the others alone bring it down: so its own checks rising changes nothing.
    this.#applyHold(poolName, session, !combineVerdict(true, remote, mode, quorum).healthy, message);
  }

  #applyHold(poolName: string, session: HealthSession, hold: boolean, message: string): void {
    const { server } = session;
    const settled = hold
      ? session.held === message
      : session.held === undefined && server.healthy === session.localHealthy;
    if (settled) return;
    const before = server.healthy;
    this.#applying = true;
    try {
      if (hold) session.hold(message);
      else session.release(message);
    } finally {
      this.#applying = false;
    }
    if (server.healthy !== before) this.emit('verdict', poolName, server, server.healthy);
  }

  #apply(poolName: string, pool: Pool, server: Server, healthy: boolean, message: string): void {
    if (server.healthy === healthy) return;
    this.#applying = true;
    try {
      pool.setHealthy(server, healthy, message);
    } finally {
      this.#applying = false;
    }
    this.emit('verdict', poolName, server, healthy);
  }
}
