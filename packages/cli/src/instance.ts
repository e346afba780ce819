import {
  AdminServer,
  type AdminTarget,
  type InstanceHealth,
  type ListenerStatsView,
  type ServerPatch,
} from '@lvs7/admin';
import type { Config, ListenerConfig } from '@lvs7/config';
import {
  MemoryStateStore,
  type Pool,
  PoolNotFoundError,
  type Server,
  type ServerSpec,
  type StateStore,
} from '@lvs7/core';
import type { Directory } from '@lvs7/directory';
import { type AdminChange, applyAdminChange, SharedState } from '@lvs7/shared-state';
import type { Site } from '@lvs7/site';
import type { Logger } from 'pino';
import { AdminOverrides } from './admin-overrides.js';
import { createDirectories } from './directories.js';
import type { ListenerContext, RunningListener } from './listener-factory.js';
import { ListenerSet } from './listener-set.js';
import './listeners/index.js';
import { answerMailAdmin, type MailAdminAnswer, registerMailAdmin } from './mail-admin-routes.js';
import { type RunningNode, startCacheNode, startMailNode } from './nodes.js';
import { PoolRuntime } from './pool-runtime.js';
import { SiteOverflow } from './site-overflow.js';
import { createSite, onVip, registerSite } from './site-runtime.js';

export interface InstanceOptions {
  readonly logger: Logger;
  /** Default 30 s: how long a drain waits for sessions before closing them. */
  readonly drainTimeoutMs?: number | undefined;
  /** Relative paths in the config are relative to this (the config file's directory); default the cwd. */
  readonly baseDir?: string | undefined;
  /**
   * `single` (default): everything in this process. `primary` (of
   * `workers: N`): pools with their checks, admin, site, shared state and
   * nodes, but no listeners. `worker`: the listeners, over pools that
   * mirror the primary's (no checks of their own).
   */
  readonly role?: 'single' | 'primary' | 'worker' | undefined;
  /** Worker: the site as the primary measures it (overflow decisions fed from there; it polls nothing). */
  readonly site?: Site | undefined;
  /** Worker: the persistence tables' store (kept in step through the primary). */
  readonly stateStore?: StateStore | undefined;
  /** Primary: the listeners' figures, summed over the workers. */
  readonly listenerStats?: (() => ListenerStatsView[]) | undefined;
  /** Primary: mail admin requests, answered by a worker. */
  readonly mailAdmin?: MailAdminAnswer | undefined;
  /** Primary: whether the workers are serving (for /api/health). */
  readonly serving?: (() => boolean) | undefined;
  /** Called for every admin change, made here or by another instance (the primary passes them to workers). */
  readonly onAdminChange?: ((change: AdminChange) => void) | undefined;
  /** Called once the pools are built or rebuilt, before listeners start or update (a worker applies the primary's view). */
  readonly onPools?: (() => void) | undefined;
}

/**
 * One running lvs7: pools (with health checks and outlier detection), the
 * listeners that distribute sessions over them, and the admin API. Reload
 * applies a new config in place, keeping what did not change and every
 * change made through the admin API.
 */
export class Instance implements AdminTarget {
  readonly #logger: Logger;
  readonly #drainTimeoutMs: number;
  readonly #overrides = new AdminOverrides();
  readonly #runtimes = new Map<string, PoolRuntime>();
  #pools = new Map<string, Pool>();
  #directories = new Map<string, Directory>();
  #directoriesKey = '';
  readonly #baseDir: string;
  readonly #listeners: ListenerSet;
  #admin: AdminServer | undefined;
  #adminKey = '';
  #config: Config;
  #draining = false;
  #shared: SharedState | undefined;
  readonly #localState = new MemoryStateStore();
  #site: Site | undefined;
  #siteOverflow: SiteOverflow | undefined;
  readonly #nodes = new Map<'mailstore' | 'cache', RunningNode>();
  #started = false;
  readonly #options: InstanceOptions;
  readonly #role: 'single' | 'primary' | 'worker';

  constructor(config: Config, options: InstanceOptions) {
    this.#config = config;
    this.#options = options;
    this.#role = options.role ?? 'single';
    this.#logger = options.logger;
    this.#drainTimeoutMs = options.drainTimeoutMs ?? 30_000;
    this.#listeners = new ListenerSet(this.#drainTimeoutMs, this.#logger);
    this.#baseDir = options.baseDir ?? process.cwd();
  }

  get config(): Config {
    return this.#config;
  }

  get admin(): AdminServer | undefined {
    return this.#admin;
  }

  listener(name: string): RunningListener | undefined {
    return this.#listeners.get(name);
  }

  /** This site of an anycast group, when `site` is configured. */
  get site(): Site | undefined {
    return this.#site;
  }

  /** Shared state (Redis), when `state` is configured. */
  get shared(): SharedState | undefined {
    return this.#shared;
  }

  /** The store persistence tables live in (Redis when shared, else this process). */
  get stateStore(): StateStore {
    return this.#options.stateStore ?? this.#shared?.store ?? this.#localState;
  }

  async start(): Promise<void> {
    const worker = this.#role === 'worker';
    if (!worker) await this.#connectSharedState(this.#config);
    this.#applyDirectories(this.#config);
    this.#applyPools(this.#config);
    this.#options.onPools?.();
    if (worker) this.#site = this.#options.site;
    else if (this.#config.site)
      this.#site = createSite(
        () => this.#config,
        () => this.#pools,
        this.#logger,
      );
    if (this.#site)
      this.#siteOverflow = new SiteOverflow(this.#site, this.#logger.child({ component: 'site' }));
    if (!worker) await this.#applyAdmin(this.#config);
    if (this.#role !== 'primary') await this.#applyListeners(this.#config);
    if (!worker) await this.#applyNodes(this.#config);
    if (!worker) this.#site?.start();
    this.#started = true;
    this.#logger.info(
      {
        pools: this.#pools.size,
        listeners: this.#listeners.size,
        ...(this.#admin ? { admin: this.#config.admin?.listen } : {}),
      },
      // With workers, `lvs7 started` comes once they serve (start command).
      this.#role === 'single' ? 'lvs7 started' : `${this.#role} started`,
    );
  }

  /** Applies a new (already validated) config without dropping sessions. */
  async reload(config: Config): Promise<void> {
    const previous = this.#config;
    this.#config = config;
    const oldDirectories = this.#applyDirectories(config);
    const retiring = this.#applyPools(config);
    this.#options.onPools?.();
    const worker = this.#role === 'worker';
    if (!worker) await this.#applyAdmin(config);
    if (this.#role !== 'primary') await this.#applyListeners(config);
    if (!worker) await this.#applyNodes(config);
    for (const runtime of retiring) void runtime.retire(this.#drainTimeoutMs);
    for (const directory of oldDirectories) void directory.close();
    this.#logger.info(
      { pools: this.#pools.size, listeners: this.#listeners.size, changed: previous !== config },
      // With workers, `configuration reloaded` comes once every worker has applied it (start command).
      this.#role === 'single' ? 'configuration reloaded' : `${this.#role} reloaded`,
    );
  }

  /** Stops accepting, lets sessions finish (up to the drain timeout), then stops everything. */
  async stop(): Promise<void> {
    this.#draining = true;
    this.#site?.stop();
    await this.#listeners.close();
    await Promise.all([...this.#nodes.values()].map((n) => n.stop()));
    this.#nodes.clear();
    for (const runtime of this.#runtimes.values()) runtime.close();
    await this.#shared?.close();
    await Promise.all([...this.#directories.values()].map((d) => d.close()));
    await this.#admin?.close();
    this.#admin = undefined;
    this.#logger.info('lvs7 stopped');
  }

  // --- AdminTarget -------------------------------------------------------

  pools(): ReadonlyMap<string, Pool> {
    return this.#pools;
  }

  addServer(pool: string, spec: ServerSpec): Server {
    const server = this.#pool(pool).add(spec);
    this.#overrides.recordAdd(pool, spec);
    this.#changed({ type: 'add', pool, spec });
    this.#logger.info({ pool, server: spec.name, address: spec.address }, 'server added');
    return server;
  }

  patchServer(pool: string, name: string, patch: ServerPatch): Server {
    const p = this.#pool(pool);
    if (patch.weight !== undefined) p.setWeight(name, patch.weight);
    if (patch.state !== undefined) p.setState(name, patch.state);
    this.#overrides.recordPatch(pool, name, patch);
    this.#changed({ type: 'patch', pool, server: name, weight: patch.weight, state: patch.state });
    this.#logger.info({ pool, server: name, ...patch }, 'server changed');
    return p.mustGet(name);
  }

  removeServer(pool: string, name: string): Promise<void> {
    const removal = this.#pool(pool).remove(name);
    this.#overrides.recordRemove(pool, name);
    this.#changed({ type: 'remove', pool, server: name });
    this.#logger.info({ pool, server: name }, 'server draining for removal');
    return removal.then(() => this.#logger.info({ pool, server: name }, 'server removed'));
  }

  /** Every admin change in force (a new worker starts from them). */
  adminChanges(): AdminChange[] {
    return this.#overrides.changes();
  }

  /** An admin change made in another process (the primary, for a worker): remembered and applied. */
  applyAdminChange(change: AdminChange): void {
    this.#overrides.record(change);
    const pool = this.#pools.get(change.pool);
    if (pool) void applyAdminChange(pool, change);
  }

  /** Answers a mail admin request over this process's mail listeners. */
  answerMailAdmin(method: string, path: string, params: Record<string, string>, body: unknown) {
    return answerMailAdmin(() => this.#listeners.listeners())(method, path, params, body);
  }

  #changed(change: AdminChange): void {
    this.#shared?.admin.publish(change);
    this.#options.onAdminChange?.(change);
  }

  health(): InstanceHealth {
    return {
      ready: this.#started && (this.#options.serving?.() ?? true),
      draining: this.#draining,
      ...(this.#shared ? { redis: this.#shared.reachable ? 'reachable' : 'unreachable' } : {}),
    };
  }

  listenerStats(): ListenerStatsView[] {
    return this.#options.listenerStats?.() ?? this.#listeners.stats();
  }

  // --- applying config ---------------------------------------------------

  #pool(name: string): Pool {
    const pool = this.#pools.get(name);
    if (!pool) throw new PoolNotFoundError(name);
    return pool;
  }

  /** Builds or updates every pool; returns the runtimes replaced or removed. */
  #applyPools(config: Config): PoolRuntime[] {
    const retiring: PoolRuntime[] = [];
    const pools = new Map<string, Pool>();
    for (const [name, poolConfig] of Object.entries(config.pools ?? {})) {
      const servers = this.#overrides.apply(name, PoolRuntime.serverSpecs(poolConfig));
      const current = this.#runtimes.get(name);
      let runtime: PoolRuntime;
      if (current?.canUpdate(poolConfig)) {
        current.update(poolConfig, servers);
        runtime = current;
      } else {
        runtime = new PoolRuntime(name, poolConfig, servers, this.#logger, current, this.stateStore, {
          health: this.#role !== 'worker',
        });
        if (current) retiring.push(current);
        this.#runtimes.set(name, runtime);
      }
      pools.set(name, runtime.pool);
    }
    for (const [name, runtime] of this.#runtimes) {
      if (pools.has(name)) continue;
      this.#runtimes.delete(name);
      this.#overrides.forget(name);
      this.#shared?.admin.forget(name);
      retiring.push(runtime);
    }
    this.#pools = pools;
    return retiring;
  }

  async #applyAdmin(config: Config): Promise<void> {
    const key = JSON.stringify(config.admin ?? null);
    if (key === this.#adminKey && (this.#admin || !config.admin)) return;
    await this.#admin?.close();
    this.#admin = undefined;
    this.#adminKey = key;
    if (!config.admin) return;
    const admin = new AdminServer({
      listen: config.admin.listen,
      token: config.admin.token,
      target: this,
      logger: this.#logger.child({ component: 'admin' }),
    });
    if (this.#site) registerSite(admin, this.#site);
    registerMailAdmin(admin, this.#options.mailAdmin ?? answerMailAdmin(() => this.#listeners.listeners()));
    await admin.listen();
    this.#admin = admin;
  }

  /**
   * Joins the cluster's shared state: starts from the admin changes stored
   * there and applies the ones other instances make from now on. The state
   * section is read at start only (a reload does not reconnect).
   */
  async #connectSharedState(config: Config): Promise<void> {
    const state = config.state;
    if (!state) return;
    const shared = await SharedState.connect({
      redis: state.redis,
      cluster: state.cluster,
      logger: this.#logger.child({ component: 'shared-state' }),
      pools: () => this.#pools,
      healthMode: state.health,
      ...(state.quorum !== undefined ? { healthQuorum: state.quorum } : {}),
      healthSession: (pool, server) => this.#runtimes.get(pool)?.health?.session(server),
    });
    for (const change of await shared.admin.load()) this.#overrides.record(change);
    shared.admin.on('change', (change: AdminChange) => {
      this.applyAdminChange(change);
      this.#options.onAdminChange?.(change);
    });
    this.#shared = shared;
  }

  /** The mail node (`lvs7 mailstore`) and cache node (`lvs7 cache`): restarted only when their section changed. */
  async #applyNodes(config: Config): Promise<void> {
    for (const kind of ['mailstore', 'cache'] as const) {
      const section = config[kind];
      const current = this.#nodes.get(kind);
      if (current && section && current.key === JSON.stringify(section)) continue;
      if (current) {
        this.#nodes.delete(kind);
        await current.stop();
      }
      if (!section) continue;
      const node =
        kind === 'mailstore'
          ? await startMailNode(config, this.#directories, this.#baseDir, this.#logger)
          : await startCacheNode(config, this.#pools, this.#baseDir, this.#logger);
      this.#nodes.set(kind, node);
    }
  }

  /** The running mail or cache node. */
  node(kind: 'mailstore' | 'cache'): RunningNode | undefined {
    return this.#nodes.get(kind);
  }

  #context(): ListenerContext {
    return {
      pools: this.#pools,
      poolRuntimes: this.#runtimes,
      directories: this.#directories,
      state: this.stateStore,
      config: this.#config,
      baseDir: this.#baseDir,
      logger: this.#logger,
    };
  }

  /** Creates the directories; on reload, new ones replace changed ones. Returns those to close. */
  #applyDirectories(config: Config): Directory[] {
    const key = JSON.stringify(config.directories);
    if (key === this.#directoriesKey) return [];
    const old = [...this.#directories.values()];
    const next = createDirectories(config, this.#baseDir, this.#logger);
    this.#directories = next;
    this.#directoriesKey = key;
    return old;
  }

  #applyListeners(config: Config): Promise<void> {
    return this.#listeners.apply(config, (c) => this.#listenerContext(c), this.#siteOverflow);
  }

  /** Listeners on the VIP (or a wildcard) take part in overflow between sites. */
  #listenerContext(config: ListenerConfig): ListenerContext {
    const context = this.#context();
    const site = this.#siteOverflow;
    return site && onVip(config, site.site) ? { ...context, site } : context;
  }
}
