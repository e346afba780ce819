import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { ClusterKeys } from '../keys.js';
import type { RedisClient, RedisClients } from '../redis-connection.js';
import { defineScripts } from './scripts.js';

export interface RedisLinkEvents {
  /** Both connections are ready (first time, or Redis came back): time to reconcile. */
  up: [];
  /** A connection was lost; everything keeps serving from local views. */
  down: [];
}

/**
 * The two connections one SharedState uses (commands, and pub/sub, which
 * needs its own), and whether Redis is reachable. Logs an outage once when
 * it starts and once when it ends, not every reconnect attempt. Components
 * register channel handlers and follow up/down.
 */
export class RedisLink extends EventEmitter<RedisLinkEvents> {
  readonly keys: ClusterKeys;
  readonly instanceId: string;
  readonly command: RedisClient;
  readonly logger: Logger;
  readonly #subscriber: RedisClient;
  readonly #handlers = new Map<string, (message: string) => void>();
  #up = false;
  #outageLogged = false;
  #lastError: Error | undefined;
  #closed = false;

  constructor(clients: RedisClients, keys: ClusterKeys, instanceId: string, logger: Logger) {
    super();
    this.keys = keys;
    this.instanceId = instanceId;
    this.logger = logger;
    this.command = clients.command;
    this.#subscriber = clients.subscriber;
    defineScripts(this.command);
    for (const client of [this.command, this.#subscriber]) {
      client.on('ready', () => this.#check());
      client.on('close', () => this.#check());
      client.on('end', () => this.#check());
      client.on('error', (error: Error) => {
        this.#lastError = error;
        if (!this.#up) this.#logOutage();
      });
    }
    this.#subscriber.on('message', (channel: string, message: string) => {
      this.#handlers.get(channel)?.(message);
    });
  }

  /** Both connections are ready now. */
  get up(): boolean {
    return this.#up;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Connects; resolves true once Redis answers, or false after `timeoutMs`
   * (the clients keep retrying in the background and `up` fires later).
   */
  async start(timeoutMs: number): Promise<boolean> {
    const ready = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.off('up', onUp);
        resolve(false);
      }, timeoutMs);
      const onUp = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.once('up', onUp);
    });
    // A failed first attempt rejects connect(); the retry strategy carries on regardless.
    const onFail = (error: Error) => {
      this.#lastError = error;
    };
    // A queued SUBSCRIBE may already have started a connection (lazyConnect connects on first use).
    for (const client of [this.command, this.#subscriber])
      if (client.status === 'wait') client.connect().catch(onFail);
    const up = await ready;
    if (!up) this.#logOutage();
    return up;
  }

  /** Calls `handler` with every message on `channel` (one handler per channel). */
  subscribe(channel: string, handler: (message: string) => void): void {
    this.#handlers.set(channel, handler);
    // Queued while disconnected (the subscriber keeps an offline queue) and renewed on reconnect.
    this.#subscriber.subscribe(channel).catch((error: Error) => {
      this.#lastError = error;
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#up = false;
    this.#handlers.clear();
    await Promise.all([quit(this.command), quit(this.#subscriber)]);
    this.removeAllListeners();
  }

  #check(): void {
    if (this.#closed) return;
    const up = this.command.status === 'ready' && this.#subscriber.status === 'ready';
    if (up === this.#up) return;
    this.#up = up;
    if (up) {
      if (this.#outageLogged) this.logger.info('Redis reachable again: reconciling shared state');
      this.#outageLogged = false;
      this.emit('up');
    } else {
      this.#logOutage();
      this.emit('down');
    }
  }

  #logOutage(): void {
    if (this.#outageLogged || this.#closed) return;
    this.#outageLogged = true;
    this.logger.warn(
      { err: this.#lastError?.message },
      'Redis unreachable: serving from local state until it returns',
    );
  }
}

async function quit(client: RedisClient): Promise<void> {
  if (client.status === 'ready') {
    try {
      await client.quit();
      return;
    } catch {
      // Lost while quitting: disconnect below.
    }
  }
  client.disconnect();
}
