import { EventEmitter } from 'node:events';
import { ConnectionCountSync } from './connection-count-sync.js';
import { HealthConsensus } from './health-consensus.js';
import { RedisLink } from './internal/redis-link.js';
import { ClusterKeys } from './keys.js';
import { defaultInstanceId, type SharedStateOptions, validateOptions } from './options.js';
import { createRedisClients } from './redis-connection.js';
import { RedisStateStore } from './redis-state-store.js';
import { SharedAdminState } from './shared-admin-state.js';

/**
 * Everything one lvs7 instance shares with the others of its cluster
 * through Redis: locality/persistence tables (`store`, a StateStore for
 * pools and distributors), admin API changes (`admin`), active connection
 * counts (`counts`) and health observations (`health`).
 *
 * Nothing on the request path waits for Redis. When Redis is unreachable
 * (at start or later) it is logged once, every part keeps working from its
 * local view, and when Redis returns each part re-publishes what it holds
 * and catches up with the others.
 */
export interface SharedStateEvents {
  /** Redis answers (again): each part is reconciling. */
  reachable: [];
  /** Redis was lost: each part serves from its local view. */
  unreachable: [];
}

export class SharedState extends EventEmitter<SharedStateEvents> {
  readonly cluster: string;
  readonly instanceId: string;
  readonly store: RedisStateStore;
  readonly admin: SharedAdminState;
  readonly counts: ConnectionCountSync;
  readonly health: HealthConsensus;
  readonly #link: RedisLink;
  #closed = false;

  /**
   * Validates the options (InvalidSharedStateOptionsError), connects, and
   * starts count and health sharing when `pools` is given. Resolves once
   * Redis answers or after connectTimeoutMs without it (never rejects for an
   * unreachable Redis: see `reachable`).
   */
  static async connect(options: SharedStateOptions): Promise<SharedState> {
    validateOptions(options);
    const shared = new SharedState(options);
    await shared.#link.start(options.connectTimeoutMs ?? 2_000);
    if (options.pools !== undefined) {
      shared.counts.start();
      shared.health.start();
    }
    return shared;
  }

  private constructor(options: SharedStateOptions) {
    super();
    this.cluster = options.cluster;
    this.instanceId = options.instanceId ?? defaultInstanceId();
    const logger = options.logger.child({ component: 'shared-state', cluster: this.cluster });
    this.#link = new RedisLink(
      createRedisClients(options.redis),
      new ClusterKeys(this.cluster),
      this.instanceId,
      logger,
    );
    this.#link.on('up', () => this.emit('reachable'));
    this.#link.on('down', () => this.emit('unreachable'));
    const pools = options.pools ?? (() => new Map());
    this.store = new RedisStateStore(this.#link, { maxPendingWrites: options.maxPendingWrites });
    this.admin = new SharedAdminState(this.#link, { maxQueued: options.maxQueuedAdminChanges });
    this.counts = new ConnectionCountSync(this.#link, {
      pools,
      intervalMs: options.countIntervalMs,
      ttlMs: options.countTtlMs,
    });
    this.health = new HealthConsensus(this.#link, {
      pools,
      mode: options.healthMode,
      quorum: options.healthQuorum,
      intervalMs: options.healthIntervalMs,
      ttlMs: options.healthTtlMs,
      session: options.healthSession,
    });
  }

  /** Redis answers now. */
  get reachable(): boolean {
    return this.#link.up;
  }

  /**
   * Stops sharing: sends what is buffered (if Redis is reachable), removes
   * this instance's counts and observations so the others stop counting
   * them at once, and closes both connections.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.counts.stop();
    this.health.stop();
    await Promise.all([this.store.close(), this.admin.flush()]);
    if (this.#link.up) await this.#withdraw().catch(() => {});
    await this.#link.close();
  }

  async #withdraw(): Promise<void> {
    const { keys, command } = this.#link;
    const pipeline = command.pipeline();
    for (const kind of ['active', 'health'] as const) {
      pipeline.del(keys.snapshot(kind, this.instanceId)).zrem(keys.members(kind), this.instanceId);
    }
    await pipeline.exec();
  }
}
