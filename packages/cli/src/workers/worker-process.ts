import cluster from 'node:cluster';
import { subscribe } from 'node:diagnostics_channel';
import type { Config } from '@lvs7/config';
import type { EjectionEvent } from '@lvs7/core';
import { Site } from '@lvs7/site';
import type { Logger } from 'pino';
import { Instance } from '../instance.js';
import { siteOptions } from '../site-runtime.js';
import { IpcStateStore } from './ipc-state-store.js';
import type { PrimaryMessage, ServerMirror, WorkerMessage } from './messages.js';
import { applyPoolMirrors, applyRemoteCounts, SessionCounter } from './pool-mirror.js';

const COUNTS_INTERVAL_MS = 100;
const STATS_INTERVAL_MS = 1_000;

export interface WorkerProcessOptions {
  readonly logger: Logger;
  readonly drainTimeoutMs?: number | undefined;
}

/**
 * One worker of `workers: N`: runs the listeners over pools that mirror
 * the primary's, and reports its sessions, ejections, table writes and
 * traffic figures. Stops (drains) when the primary says so, on SIGTERM, or
 * when the primary is gone. SIGINT, SIGHUP and SIGUSR2 are the primary's to handle
 * (a signal sent to the whole process group must not stop a worker).
 */
export function runWorkerProcess(options: WorkerProcessOptions): void {
  const { logger } = options;
  const send = (message: WorkerMessage) => {
    if (process.connected) process.send?.(message);
  };
  const store = new IpcStateStore(`worker${cluster.worker?.id ?? 0}-${process.pid}`, (tables) =>
    send({ t: 'tables', tables }),
  );
  const counter = new SessionCounter();
  const ownEjections = new Set<string>();
  let instance: Instance | undefined;
  let started: Promise<void> | undefined;
  let mirror: Readonly<Record<string, readonly ServerMirror[]>> = {};
  let workers = 1;
  let applyingMirror = false;
  let stopping = false;
  const timers: NodeJS.Timeout[] = [];

  const applyMirror = () => {
    if (!instance) return;
    applyingMirror = true;
    try {
      applyPoolMirrors(instance.pools(), mirror, workers, ownEjections);
    } finally {
      applyingMirror = false;
    }
  };

  subscribe('lvs7:ejection', (message) => {
    if (applyingMirror || !instance) return;
    const event = message as EjectionEvent;
    if (instance.pools().get(event.pool) === undefined) return;
    const key = `${event.pool}/${event.server.name}`;
    if (event.ejected) ownEjections.add(key);
    else ownEjections.delete(key);
    send({ t: 'ejection', pool: event.pool, server: event.server.name, ejected: event.ejected });
  });

  const stop = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    for (const timer of timers) clearInterval(timer);
    logger.info({ reason }, 'worker draining');
    try {
      await started;
      await instance?.stop();
      store.flush();
      await exitPermission();
    } catch (err) {
      logger.error({ err }, 'worker stop failed');
    }
    logger.flush(() => process.exit(0));
  };

  const start = async (message: Extract<PrimaryMessage, { t: 'init' }>) => {
    workers = message.workers;
    mirror = message.pools;
    store.load(message.tables);
    const site = message.config.site ? workerSite(message.config, logger, send) : undefined;
    instance = new Instance(message.config, {
      site,
      logger,
      role: 'worker',
      stateStore: store,
      drainTimeoutMs: options.drainTimeoutMs,
      baseDir: message.baseDir,
      onPools: applyMirror,
    });
    for (const change of message.changes) instance.applyAdminChange(change);
    await instance.start();
    const pools = () => instance!.pools();
    let reports = 0;
    timers.push(
      setInterval(() => {
        const counts = counter.report(pools(), ++reports % 10 === 0);
        if (Object.keys(counts).length > 0) send({ t: 'counts', counts });
      }, COUNTS_INTERVAL_MS).unref(),
      setInterval(
        () => send({ t: 'stats', listeners: instance!.listenerStats() }),
        STATS_INTERVAL_MS,
      ).unref(),
    );
    send({ t: 'stats', listeners: instance.listenerStats() });
    send({ t: 'ready' });
  };

  const handle = async (message: PrimaryMessage) => {
    switch (message.t) {
      case 'init':
        started = start(message);
        await started;
        return;
      case 'admin':
        instance?.applyAdminChange(message.change);
        return;
      case 'pools':
        mirror = message.pools;
        applyMirror();
        return;
      case 'remote':
        if (instance) applyRemoteCounts(instance.pools(), message.counts);
        return;
      case 'tables':
        store.applyRemote(message.tables);
        return;
      case 'site':
        instance?.site?.overflow.update(
          { load: message.inputs.load, capacity: message.inputs.capacity },
          message.inputs.peers,
        );
        return;
      case 'reload':
        await started;
        workers = message.workers;
        try {
          await instance?.reload(message.config as Config);
        } finally {
          send({ t: 'reloaded', id: message.id });
        }
        return;
      case 'rpc':
        // Answered beside the queue: a directory lookup must not hold up pool updates.
        void (async () => {
          const reply = instance
            ? await instance.answerMailAdmin(message.method, message.path, message.params, message.body)
            : { status: 503, body: { error: 'LVS7_ERR_UNAVAILABLE', message: 'worker not started' } };
          send({ t: 'rpc-reply', id: message.id, status: reply.status, body: reply.body });
        })().catch((err) => {
          logger.error({ err }, 'mail admin request failed');
          send({ t: 'rpc-reply', id: message.id, status: 500, body: { error: 'LVS7_ERR_INTERNAL' } });
        });
        return;
      case 'drain':
        await stop('asked by the primary');
        return;
    }
  };

  /**
   * A connection the primary handed over just before it heard that this
   * worker's listeners closed is answered "not accepted" (and given to
   * another worker) only while this process lives: it exits once the
   * primary confirms nothing more is on its way.
   */
  let allowExit: (() => void) | undefined;
  const exitPermission = () =>
    process.connected
      ? new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 2_000);
          allowExit = () => {
            clearTimeout(timer);
            resolve();
          };
          send({ t: 'stopped' });
        })
      : Promise.resolve();

  // Messages are handled in order: a reload waits for the start before it.
  let queue = Promise.resolve();
  process.on('message', (message: PrimaryMessage) => {
    if (message.t === 'exit') {
      allowExit?.();
      return;
    }
    queue = queue.then(() =>
      handle(message).catch((err) => {
        logger.error({ err, message: message.t }, 'worker failed to handle a message');
        if (message.t === 'init') process.exit(1);
      }),
    );
  });
  process.on('disconnect', () => void stop('the primary is gone'));
  send({ t: 'hello' });
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => {});
  process.on('SIGHUP', () => {});
  process.on('SIGUSR2', () => {});
}

/**
 * A worker's Site: decides overflow per session from what the primary
 * measured (the primary polls the peers and sums the load), and reports
 * what it sent or received to the primary for /api/site and the metrics.
 */
function workerSite(config: Config, logger: Logger, send: (message: WorkerMessage) => void): Site {
  const site = new Site(siteOptions(config.site!), {
    pools: () => [],
    logger: logger.child({ component: 'site' }),
  });
  const record = site.traffic.record.bind(site.traffic);
  site.traffic.record = (event, listener, protocol, peer) => {
    record(event, listener, protocol, peer);
    send({ t: 'site-traffic', event, listener, protocol, peer });
  };
  return site;
}
