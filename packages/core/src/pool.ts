import { EventEmitter } from 'node:events';
import { ServerExistsError, ServerNotFoundError } from './errors.js';
import { channels } from './events.js';
import {
  createScheduler,
  type PickContext,
  type Scheduler,
  type SchedulerOptions,
  schedulerInfo,
} from './scheduler.js';
import { Server, type ServerSpec, type ServerState, validateWeight } from './server.js';
import { MemoryStateStore } from './state/memory-state-store.js';
import type { StateStore } from './state/state-store.js';

export interface PoolOptions {
  readonly scheduler: string;
  readonly schedulerOptions?: Omit<SchedulerOptions, 'table'> | undefined;
  readonly servers?: readonly ServerSpec[] | undefined;
  /** A server that becomes eligible ramps its weight up over this long (ms); 0 = off. */
  readonly slowStartMs?: number | undefined;
  /**
   * Percent of healthy primaries under which the pool panics and spreads over
   * every primary not in drain/maint; 0 = off (the default).
   */
  readonly panicThreshold?: number | undefined;
  /** Locality tables: ttl and bound. */
  readonly localityTtlMs?: number | undefined;
  readonly localityMaxEntries?: number | undefined;
  readonly state?: StateStore | undefined;
  readonly now?: (() => number) | undefined;
}

export interface PoolEvents {
  /** Something a status page shows changed (membership, state, health, weight). */
  change: [];
  /** A server in drain or being removed has no active session left. */
  drained: [server: Server];
}

interface Waiter {
  resolve: (server: Server | undefined) => void;
  ctx: PickContext;
  timer: NodeJS.Timeout;
}

/**
 * A named set of servers and the scheduler that spreads sessions over them.
 * The pool keeps the eligible arrays ready for the scheduler and rebuilds
 * them only when something changes, so a pick costs one scheduler call.
 */
export class Pool extends EventEmitter<PoolEvents> {
  readonly name: string;
  readonly schedulerName: string;
  readonly hashing: boolean;
  readonly slowStartMs: number;
  readonly panicThreshold: number;

  readonly #servers = new Map<string, Server>();
  readonly #removing = new Set<Server>();
  readonly #primaryScheduler: Scheduler;
  readonly #backupScheduler: Scheduler;
  readonly #now: () => number;
  readonly #queue: Waiter[] = [];
  #primary: Server[] = [];
  #backup: Server[] = [];
  #panic: Server[] = [];
  #inPanic = false;
  #eligibleBefore = new Set<Server>();
  #rampTimer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(name: string, options: PoolOptions) {
    super();
    this.name = name;
    this.schedulerName = options.scheduler;
    this.hashing = schedulerInfo(options.scheduler)?.hashing ?? false;
    this.slowStartMs = options.slowStartMs ?? 0;
    this.panicThreshold = options.panicThreshold ?? 0;
    this.#now = options.now ?? Date.now;
    const store = options.state ?? new MemoryStateStore(this.#now);
    const tableOptions = {
      ttlMs: options.localityTtlMs ?? 6 * 60_000,
      maxEntries: options.localityMaxEntries ?? 100_000,
    };
    const base = { ...options.schedulerOptions, now: options.schedulerOptions?.now ?? this.#now };
    this.#primaryScheduler = createScheduler(options.scheduler, {
      ...base,
      table: store.table(`pool:${name}:locality`, tableOptions),
    });
    this.#backupScheduler = createScheduler(options.scheduler, {
      ...base,
      table: store.table(`pool:${name}:locality:backup`, tableOptions),
    });
    for (const spec of options.servers ?? []) this.#servers.set(spec.name, new Server(spec));
    this.#refresh();
  }

  /** Every server, in the order they were added. */
  servers(): Server[] {
    return [...this.#servers.values()];
  }

  get(name: string): Server | undefined {
    return this.#servers.get(name);
  }

  mustGet(name: string): Server {
    const server = this.#servers.get(name);
    if (server === undefined) throw new ServerNotFoundError(this.name, name);
    return server;
  }

  /** Servers the scheduler may choose now (primaries, else backups, or the panic set). */
  get eligibleCount(): number {
    return this.#inPanic ? this.#panic.length : this.#primary.length || this.#backup.length;
  }

  get inPanic(): boolean {
    return this.#inPanic;
  }

  /**
   * Chooses a server for a new session, or undefined when none is eligible
   * or every eligible one is at maxConnections (see eligibleCount to tell
   * which; `waitForServer` queues in the second case).
   */
  pick(ctx: PickContext): Server | undefined {
    let list: Server[];
    let scheduler = this.#primaryScheduler;
    if (this.#inPanic) list = this.#panic;
    else if (this.#primary.length > 0) list = this.#primary;
    else {
      list = this.#backup;
      scheduler = this.#backupScheduler;
    }
    if (list.length === 0) return undefined;
    const server = scheduler.pick(list, ctx);
    if (server === undefined || !server.full) return server;
    // Hashing schedulers keep affinity: the caller queues for that server's pool.
    if (this.hashing) return undefined;
    const exclude = new Set<Server>(ctx.exclude as ReadonlySet<Server> | undefined);
    for (const s of list) if (s.full) exclude.add(s);
    if (exclude.size >= list.length) return undefined;
    return scheduler.pick(list, { ...ctx, exclude });
  }

  /**
   * Picks a server and starts a session on it (call sessionEnded later); when
   * every eligible server is full, waits (FIFO, as HAProxy's backend queue)
   * until one frees a slot, or resolves undefined after `timeoutMs` or when
   * no server is eligible.
   */
  waitForServer(ctx: PickContext, timeoutMs: number): Promise<Server | undefined> {
    const server = this.pick(ctx);
    if (server !== undefined) this.sessionStarted(server);
    if (server !== undefined || this.eligibleCount === 0) return Promise.resolve(server);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        ctx,
        resolve,
        timer: setTimeout(() => {
          const at = this.#queue.indexOf(waiter);
          if (at >= 0) this.#queue.splice(at, 1);
          resolve(undefined);
        }, timeoutMs),
      };
      this.#queue.push(waiter);
    });
  }

  get queued(): number {
    return this.#queue.length;
  }

  /** A session to `server` starts (call once per session, then sessionEnded). */
  sessionStarted(server: Server): void {
    server.active++;
    server.localActive++;
    server.total++;
  }

  sessionEnded(server: Server): void {
    server.active--;
    server.localActive--;
    if (this.#queue.length > 0) this.#serveQueue();
    if (server.localActive <= 0 && server.state !== 'ready') {
      this.emit('drained', server);
      if (this.#removing.has(server)) this.#finishRemove(server);
    }
  }

  /** Sessions other lvs7 instances have on `server` (shared state), so lc/wlc/sed/nq see the cluster's load. */
  setRemoteActive(server: Server, remoteActive: number): void {
    server.active += remoteActive - server.remoteActive;
    server.remoteActive = remoteActive;
  }

  /**
   * Sessions this instance has on `server` when they live in worker
   * processes (the primary of `workers: N` has none of its own): sets
   * localActive to the workers' sum, so removal and drains wait for them.
   */
  setWorkerActive(server: Server, localActive: number): void {
    const before = server.localActive;
    server.active += localActive - before;
    server.localActive = localActive;
    if (before > 0 && localActive <= 0 && server.state !== 'ready') {
      this.emit('drained', server);
      if (this.#removing.has(server)) this.#finishRemove(server);
    }
  }

  add(spec: ServerSpec): Server {
    if (this.#servers.has(spec.name)) throw new ServerExistsError(this.name, spec.name);
    const server = new Server(spec);
    this.#servers.set(server.name, server);
    this.#refresh();
    channels.admin.publish({ pool: this.name, server, change: 'added' });
    return server;
  }

  /**
   * Drains the server, then removes it once its sessions end (or at once if
   * it has none). Resolves when it is gone.
   */
  remove(name: string): Promise<void> {
    const server = this.mustGet(name);
    this.#removing.add(server);
    if (server.state === 'ready') this.setState(name, 'drain');
    if (server.localActive <= 0) this.#finishRemove(server);
    if (!this.#servers.has(name)) return Promise.resolve();
    return new Promise((resolve) => {
      const onRemoved = (removed: Server) => {
        if (removed !== server) return;
        this.off('drained', onRemoved);
        resolve();
      };
      this.on('drained', onRemoved);
    });
  }

  setState(name: string, state: ServerState): Server {
    const server = this.mustGet(name);
    if (server.state === state) return server;
    server.state = state;
    this.#refresh();
    channels.admin.publish({ pool: this.name, server, change: 'state', state });
    if (state !== 'ready' && server.localActive <= 0) this.emit('drained', server);
    return server;
  }

  setWeight(name: string, weight: number): Server {
    const server = this.mustGet(name);
    server.configuredWeight = validateWeight(weight);
    if (server.rampStartedAt === 0) server.weight = server.configuredWeight;
    this.#refresh();
    channels.admin.publish({ pool: this.name, server, change: 'weight', weight });
    return server;
  }

  setMaxConnections(name: string, maxConnections: number): void {
    this.mustGet(name).maxConnections = maxConnections;
    if (this.#queue.length > 0) this.#serveQueue();
  }

  /** Active health checks' verdict (only health checkers call this). */
  setHealthy(server: Server, healthy: boolean, message = ''): void {
    if (server.healthy === healthy) return;
    server.healthy = healthy;
    this.#refresh();
    channels.health.publish({ pool: this.name, server, healthy, message });
  }

  /** Outlier detection's verdict (only the outlier detector calls this). */
  setEjected(server: Server, ejected: boolean, durationMs = 0, reason = ''): void {
    if (server.ejected === ejected) return;
    server.ejected = ejected;
    this.#refresh();
    channels.ejection.publish({ pool: this.name, server, ejected, durationMs, reason });
  }

  /** Stops timers and fails queued waiters; the pool must not be used afterwards. */
  close(): void {
    this.#closed = true;
    if (this.#rampTimer) clearInterval(this.#rampTimer);
    this.#rampTimer = undefined;
    for (const waiter of this.#queue.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.resolve(undefined);
    }
  }

  #finishRemove(server: Server): void {
    this.#removing.delete(server);
    if (this.#servers.get(server.name) !== server) return;
    this.#servers.delete(server.name);
    this.#refresh();
    channels.admin.publish({ pool: this.name, server, change: 'removed' });
    this.emit('drained', server);
  }

  #serveQueue(): void {
    while (this.#queue.length > 0) {
      const waiter = this.#queue[0]!;
      const server = this.pick(waiter.ctx);
      if (server === undefined) {
        if (this.eligibleCount > 0) return;
      }
      this.#queue.shift();
      clearTimeout(waiter.timer);
      if (server !== undefined) this.sessionStarted(server);
      waiter.resolve(server);
    }
  }

  /** Rebuilds the eligible arrays, starts slow start ramps, tells the schedulers. */
  #refresh(): void {
    const now = this.#now();
    const primary: Server[] = [];
    const backup: Server[] = [];
    const eligibleNow = new Set<Server>();
    let primaryCandidates = 0;
    for (const server of this.#servers.values()) {
      if (server.eligible) {
        eligibleNow.add(server);
        if (!this.#eligibleBefore.has(server) && this.slowStartMs > 0 && this.#eligibleBefore.size > 0) {
          server.rampStartedAt = now;
        }
        this.#applyRamp(server, now);
        (server.backup ? backup : primary).push(server);
      } else {
        server.rampStartedAt = 0;
        server.weight = server.configuredWeight;
      }
      if (!server.backup && server.state === 'ready' && server.configuredWeight > 0) primaryCandidates++;
    }
    this.#eligibleBefore = eligibleNow;
    this.#primary = primary;
    this.#backup = backup;
    this.#inPanic =
      this.panicThreshold > 0 &&
      primaryCandidates > 0 &&
      (primary.length * 100) / primaryCandidates < this.panicThreshold;
    this.#panic = this.#inPanic
      ? [...this.#servers.values()].filter((s) => !s.backup && s.state === 'ready' && s.configuredWeight > 0)
      : [];
    this.#primaryScheduler.update?.(this.#inPanic ? this.#panic : primary);
    this.#backupScheduler.update?.(backup);
    this.#scheduleRamp();
    if (this.#queue.length > 0) this.#serveQueue();
    this.emit('change');
  }

  #applyRamp(server: Server, now: number): void {
    if (server.rampStartedAt === 0) {
      server.weight = server.configuredWeight;
      return;
    }
    const progress = (now - server.rampStartedAt) / this.slowStartMs;
    if (progress >= 1) {
      server.rampStartedAt = 0;
      server.weight = server.configuredWeight;
    } else {
      server.weight = Math.max(1, Math.ceil(server.configuredWeight * progress));
    }
  }

  #scheduleRamp(): void {
    const ramping = [...this.#servers.values()].some((s) => s.rampStartedAt !== 0);
    if (ramping && this.#rampTimer === undefined && !this.#closed) {
      // Table-based (hashing) schedulers rebuild on every weight change: ramp in fewer, larger steps.
      const steps = this.hashing ? 5 : 20;
      const step = Math.max(this.hashing ? 500 : 100, Math.floor(this.slowStartMs / steps));
      this.#rampTimer = setInterval(() => this.#refresh(), step);
      this.#rampTimer.unref();
    } else if (!ramping && this.#rampTimer !== undefined) {
      clearInterval(this.#rampTimer);
      this.#rampTimer = undefined;
    }
  }
}
