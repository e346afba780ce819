import cluster, { type Worker } from 'node:cluster';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { EventEmitter } from 'node:events';
import { type ListenerStatsView, mergeListenerStats, retiredListenerStats } from '@lvs7/admin';
import type { Config } from '@lvs7/config';
import type { AdminChange } from '@lvs7/shared-state';
import type { Logger } from 'pino';
import type { Instance } from '../instance.js';
import type { PrimaryMessage, WorkerMessage } from './messages.js';
import { mirrorPools, WorkerSessions } from './pool-mirror.js';
import { StateRelay } from './state-relay.js';

export interface WorkerSupervisorOptions {
  readonly logger: Logger;
  readonly baseDir: string;
  /** How long a retiring worker may take to finish its sessions before it is killed. */
  readonly drainTimeoutMs: number;
}

interface WorkerEntry {
  readonly worker: Worker;
  readonly startedAt: number;
  /** Said hello: it hears messages (before that, they would be lost). */
  listening: boolean;
  ready: boolean;
  retiring: boolean;
  stats: readonly ListenerStatsView[];
  /** The last "sessions elsewhere" sent, to skip unchanged ones. */
  lastRemote: string;
}

const COUNTS_INTERVAL_MS = 100;
const MIRROR_INTERVAL_MS = 1_000;
const RPC_TIMEOUT_MS = 10_000;

/**
 * The primary of `workers: N` (node:cluster): forks the workers, hands each
 * the config, the admin changes, the pools' state and the persistence
 * tables, then keeps them in step — health and admin changes out, session
 * counts, ejections, table writes and traffic figures in. Replaces a worker
 * that dies, restarts them one by one on request (a new one serves before
 * the old one stops accepting), and drains them all on stop.
 */
export class WorkerSupervisor {
  readonly #instance: Instance;
  readonly #options: WorkerSupervisorOptions;
  readonly #logger: Logger;
  readonly #workers = new Map<number, WorkerEntry>();
  readonly #sessions = new WorkerSessions();
  readonly #relay: StateRelay;
  /** `pool/server` → workers that ejected it. */
  readonly #ejections = new Map<string, Set<number>>();
  /** Figures of workers that are gone, so counters never go backwards. */
  #retiredStats: ListenerStatsView[] = [];
  #config: Config;
  #count: number;
  #stopping = false;
  #restarting: Promise<void> = Promise.resolve();
  #respawnDelayMs = 0;
  #mirrorScheduled = false;
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #onPoolEvent = () => this.#scheduleMirror();
  readonly #rpcs = new Map<number, (reply: { status: number; body: unknown }) => void>();
  #rpcId = 0;

  constructor(instance: Instance, config: Config, count: number, options: WorkerSupervisorOptions) {
    this.#instance = instance;
    this.#config = config;
    this.#count = count;
    this.#options = options;
    this.#logger = options.logger.child({ component: 'workers' });
    this.#relay = new StateRelay(instance.stateStore);
  }

  get count(): number {
    return this.#count;
  }

  /** Workers serving now. */
  get serving(): number {
    let n = 0;
    for (const e of this.#workers.values()) if (e.ready && !e.retiring) n++;
    return n;
  }

  /** Forks the workers and resolves once every one serves. */
  async start(): Promise<void> {
    cluster.setupPrimary({ serialization: 'advanced' });
    for (const name of ['lvs7:health', 'lvs7:ejection', 'lvs7:admin']) subscribe(name, this.#onPoolEvent);
    const store = this.#instance.stateStore as Partial<EventEmitter>;
    store.on?.('update', (table: string, key: string) => {
      const ops = this.#relay.changed(table, key);
      if (ops) this.#broadcast({ t: 'tables', tables: [ops] });
    });
    this.#timers.push(setInterval(() => this.#sendRemoteCounts(), COUNTS_INTERVAL_MS).unref());
    this.#timers.push(setInterval(() => this.#sendMirror(), MIRROR_INTERVAL_MS).unref());
    const site = this.#instance.site;
    if (site?.options.overflow.enabled)
      this.#timers.push(
        setInterval(() => {
          const m = site.measure();
          this.#broadcast({
            t: 'site',
            inputs: { load: m.load, capacity: m.capacity, peers: site.peerReports() },
          });
        }, site.options.overflow.intervalMs).unref(),
      );
    await Promise.all(Array.from({ length: this.#count }, () => this.#fork()));
    this.#logger.info({ workers: this.#count }, 'workers serving');
  }

  /** The admin change goes to every worker. */
  adminChange(change: AdminChange): void {
    this.#broadcast({ t: 'admin', change });
  }

  /** Applies a reloaded config in every worker (in place: listeners keep their sockets). */
  async reload(config: Config, count: number): Promise<void> {
    this.#config = config;
    const id = ++this.#rpcId;
    const applied = [...this.#workers.values()]
      .filter((e) => e.listening && !e.retiring)
      .map(
        (e) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(done, RPC_TIMEOUT_MS * 3);
            function done() {
              clearTimeout(timer);
              e.worker.off('message', onMessage);
              e.worker.off('exit', done);
              resolve();
            }
            const onMessage = (m: WorkerMessage) => {
              if (m.t === 'reloaded' && m.id === id) done();
            };
            e.worker.on('message', onMessage);
            e.worker.once('exit', done);
          }),
      );
    this.#broadcast({ t: 'reload', id, config, workers: count });
    await Promise.all(applied);
    const previous = this.#count;
    this.#count = count;
    if (count > previous) await Promise.all(Array.from({ length: count - previous }, () => this.#fork()));
    if (count < previous) {
      const extra = [...this.#workers.values()].filter((e) => !e.retiring).slice(count);
      await Promise.all(extra.map((e) => this.#retire(e)));
    }
  }

  /**
   * Replaces every worker with a new process (new code, new config), one at
   * a time: the new one serves before the old one stops accepting and
   * finishes its sessions, so no connection is refused.
   */
  rollingRestart(): Promise<void> {
    this.#restarting = this.#restarting.then(async () => {
      const old = [...this.#workers.values()].filter((e) => !e.retiring);
      this.#logger.info({ workers: old.length }, 'rolling restart');
      for (const entry of old) {
        if (this.#stopping) return;
        await this.#fork();
        await this.#retire(entry);
      }
      this.#logger.info({ workers: this.serving }, 'rolling restart done');
    });
    return this.#restarting;
  }

  /** Drains every worker (they stop accepting and finish their sessions), then returns. */
  async stop(): Promise<void> {
    this.#stopping = true;
    for (const timer of this.#timers) clearInterval(timer);
    for (const name of ['lvs7:health', 'lvs7:ejection', 'lvs7:admin']) unsubscribe(name, this.#onPoolEvent);
    await Promise.all([...this.#workers.values()].map((e) => this.#retire(e)));
  }

  listenerStats(): ListenerStatsView[] {
    return mergeListenerStats([this.#retiredStats, ...[...this.#workers.values()].map((e) => e.stats)]);
  }

  /** A mail admin request, answered by a serving worker (they share the placement tables). */
  mailAdmin(
    method: string,
    path: string,
    params: Record<string, string>,
    body: unknown,
  ): Promise<{ status: number; body: unknown }> {
    const entry = [...this.#workers.values()].find((e) => e.ready && !e.retiring);
    if (entry === undefined)
      return Promise.resolve({
        status: 503,
        body: { error: 'LVS7_ERR_UNAVAILABLE', message: 'no worker is serving' },
      });
    const id = ++this.#rpcId;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#rpcs.delete(id);
        resolve({ status: 504, body: { error: 'LVS7_ERR_TIMEOUT', message: 'the worker did not answer' } });
      }, RPC_TIMEOUT_MS);
      this.#rpcs.set(id, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      this.#send(entry, { t: 'rpc', id, method, path, params, body });
    });
  }

  // --- workers ------------------------------------------------------------

  /** Forks one worker and resolves when it serves (or rejects if it dies first). */
  #fork(): Promise<void> {
    const worker = cluster.fork({ LVS7_WORKER: '1' });
    const entry: WorkerEntry = {
      worker,
      startedAt: Date.now(),
      listening: false,
      ready: false,
      retiring: false,
      stats: [],
      lastRemote: '',
    };
    this.#workers.set(worker.id, entry);
    worker.on('message', (message: WorkerMessage) => this.#onMessage(entry, message));
    worker.on('exit', (code, signal) => this.#onExit(entry, code, signal));
    // EPIPE while a worker exits: what was sent to it no longer matters.
    worker.on('error', (err) => this.#logger.debug({ err, worker: worker.id }, 'worker channel error'));
    return new Promise((resolve, reject) => {
      const onMessage = (m: WorkerMessage) => {
        if (m.t !== 'ready') return;
        cleanup();
        resolve();
      };
      const onExit = () => {
        cleanup();
        reject(new Error(`worker ${worker.id} exited before serving`));
      };
      const cleanup = () => {
        worker.off('message', onMessage);
        worker.off('exit', onExit);
      };
      worker.on('message', onMessage);
      worker.on('exit', onExit);
    });
  }

  /** Asks a worker to stop accepting and finish its sessions; kills it after the drain timeout. */
  #retire(entry: WorkerEntry): Promise<void> {
    entry.retiring = true;
    const { worker } = entry;
    if (worker.isDead()) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#logger.warn({ worker: worker.id }, 'worker did not finish draining; killing it');
        worker.process.kill('SIGKILL');
      }, this.#options.drainTimeoutMs + 5_000);
      worker.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      // One that has not said hello yet serves nothing and would not hear a drain.
      if (entry.listening) this.#send(entry, { t: 'drain' });
      else worker.process.kill('SIGTERM');
    });
  }

  #onExit(entry: WorkerEntry, code: number | null, signal: string | null): void {
    const id = entry.worker.id;
    this.#workers.delete(id);
    this.#retiredStats = mergeListenerStats([this.#retiredStats, retiredListenerStats(entry.stats)]);
    this.#sessions.forget(id, this.#instance.pools());
    for (const [key, set] of this.#ejections)
      if (set.delete(id) && set.size === 0) this.#setEjected(key, false);
    if (entry.retiring || this.#stopping) {
      this.#logger.debug({ worker: id, code, signal }, 'worker exited');
      return;
    }
    // A worker that dies early again and again is restarted with a growing delay (up to 10 s).
    const lived = Date.now() - entry.startedAt;
    this.#respawnDelayMs = lived < 5_000 ? Math.min(10_000, Math.max(250, this.#respawnDelayMs * 2)) : 0;
    this.#logger.error(
      { worker: id, code, signal, restartInMs: this.#respawnDelayMs },
      'worker died; starting another',
    );
    setTimeout(() => {
      if (this.#stopping) return;
      this.#fork().catch((err) => this.#logger.error({ err }, 'replacement worker failed to start'));
    }, this.#respawnDelayMs).unref();
  }

  #onMessage(entry: WorkerEntry, message: WorkerMessage): void {
    switch (message.t) {
      case 'hello':
        // From now on the worker hears what is broadcast; the init is the state up to here.
        entry.listening = true;
        this.#send(entry, {
          t: 'init',
          config: this.#config,
          baseDir: this.#options.baseDir,
          workers: this.#count,
          changes: this.#instance.adminChanges(),
          pools: mirrorPools(this.#instance.pools()),
          tables: this.#relay.dump(),
        });
        break;
      case 'ready':
        entry.ready = true;
        break;
      case 'reloaded':
        break;
      case 'stopped':
        // Node's cluster told the primary this worker's servers closed before this message (one
        // ordered channel): nothing more is handed to it, and what was is already on its way.
        this.#send(entry, { t: 'exit' });
        break;
      case 'counts':
        this.#sessions.update(entry.worker.id, this.#instance.pools(), message.counts);
        break;
      case 'ejection':
        this.#onEjection(entry.worker.id, message.pool, message.server, message.ejected);
        break;
      case 'tables':
        this.#relay.apply(message.tables);
        this.#broadcast({ t: 'tables', tables: message.tables }, entry);
        break;
      case 'stats':
        entry.stats = message.listeners;
        break;
      case 'site-traffic':
        this.#instance.site?.traffic.record(message.event, message.listener, message.protocol, message.peer);
        break;
      case 'rpc-reply': {
        const reply = this.#rpcs.get(message.id);
        this.#rpcs.delete(message.id);
        reply?.({ status: message.status, body: message.body });
        break;
      }
    }
  }

  #onEjection(worker: number, pool: string, server: string, ejected: boolean): void {
    const key = `${pool}/${server}`;
    let set = this.#ejections.get(key);
    if (set === undefined) {
      set = new Set();
      this.#ejections.set(key, set);
    }
    if (ejected) set.add(worker);
    else set.delete(worker);
    this.#setEjected(key, set.size > 0);
  }

  #setEjected(key: string, ejected: boolean): void {
    const slash = key.indexOf('/');
    const pool = this.#instance.pools().get(key.slice(0, slash));
    const server = pool?.get(key.slice(slash + 1));
    if (server !== undefined) pool!.setEjected(server, ejected, 0, 'ejected by a worker');
  }

  // --- keeping workers in step -------------------------------------------

  #scheduleMirror(): void {
    if (this.#mirrorScheduled) return;
    this.#mirrorScheduled = true;
    setImmediate(() => this.#sendMirror());
  }

  #sendMirror(): void {
    this.#mirrorScheduled = false;
    if (this.#workers.size === 0) return;
    this.#broadcast({ t: 'pools', pools: mirrorPools(this.#instance.pools()) });
  }

  #sendRemoteCounts(): void {
    const pools = this.#instance.pools();
    for (const entry of this.#workers.values()) {
      if (!entry.ready) continue;
      const counts = this.#sessions.remoteFor(entry.worker.id, pools);
      const key = JSON.stringify(counts);
      if (key === entry.lastRemote) continue;
      entry.lastRemote = key;
      this.#send(entry, { t: 'remote', counts });
    }
  }

  #broadcast(message: PrimaryMessage, except?: WorkerEntry): void {
    for (const entry of this.#workers.values()) if (entry !== except) this.#send(entry, message);
  }

  #send(entry: WorkerEntry, message: PrimaryMessage): void {
    const { worker } = entry;
    if (worker.isDead() || !entry.listening) return;
    try {
      worker.send(message);
    } catch (err) {
      this.#logger.debug({ err, worker: worker.id }, 'message to worker lost');
    }
  }
}
