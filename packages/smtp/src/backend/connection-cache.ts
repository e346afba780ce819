import type { Preamble, Server } from '@lvs7/core';
import { BackendConnection, type BackendConnectOptions } from './backend-connection.js';

export interface ConnectionCacheOptions extends BackendConnectOptions {
  /** Idle connections kept per server for the next transaction; 0 = a connection per transaction. */
  readonly maxIdlePerServer: number;
  /** An idle connection is closed (QUIT) after this long. */
  readonly idleTimeout: number;
}

interface Idle {
  readonly connection: BackendConnection;
  readonly timer: NodeJS.Timeout;
}

/**
 * Connections to the servers of one pool: a finished transaction hands its
 * connection back (the backend is between transactions again), the next
 * transaction to that server takes it instead of connecting, greeting and
 * saying EHLO again. Connections that carry a PROXY header are never kept:
 * the header names one client.
 */
export class ConnectionCache {
  readonly options: ConnectionCacheOptions;
  /** What each server (by name) offered in its last EHLO/LHLO on a new connection. */
  readonly capabilities = new Map<string, ReadonlyMap<string, string>>();
  readonly #idle = new Map<Server, Idle[]>();
  #closed = false;

  constructor(options: ConnectionCacheOptions) {
    this.options = options;
  }

  /**
   * An idle connection to `server`, else a new one (`preamble`: the PROXY
   * header, if any). A connection introduced with XCLIENT serves only that
   * client again (its session's next transaction then needs no XCLIENT): a
   * backend judges a later XCLIENT by the address it was given, so it could
   * refuse to be told about anyone else. Connections never introduced serve
   * anybody.
   */
  async acquire(server: Server, preamble?: Preamble, clientKey?: string): Promise<BackendConnection> {
    const list = preamble === undefined ? this.#idle.get(server) : undefined;
    while (list !== undefined && list.length > 0) {
      let at =
        clientKey === undefined ? -1 : list.findLastIndex((idle) => idle.connection.clientKey === clientKey);
      if (at < 0) at = list.findLastIndex((idle) => idle.connection.clientKey === undefined);
      if (at < 0) break;
      const [idle] = list.splice(at, 1) as [Idle];
      clearTimeout(idle.timer);
      server.inactive--;
      idle.connection.onBroken = undefined;
      if (!idle.connection.broken) return idle.connection;
    }
    const connection = await BackendConnection.open(
      server,
      preamble === undefined ? this.options : { ...this.options, preamble },
    );
    this.capabilities.set(server.name, connection.capabilities);
    return connection;
  }

  /**
   * Connects to every server once (learning what each offers, and keeping
   * the connection for the first transaction); failures are left to health
   * checks. Pools that expect a PROXY header get `preamble` (a LOCAL one). Resolves when all answered or after `timeoutMs`.
   */
  async probe(servers: readonly Server[], timeoutMs: number, preamble?: Preamble): Promise<void> {
    const attempts = servers.map(async (server) => {
      const connection = await this.acquire(server, preamble);
      this.release(server, connection, true);
    });
    const timer = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref());
    await Promise.race([Promise.allSettled(attempts), timer]);
  }

  /** Takes a connection back after a finished (or reset) transaction, or closes it. */
  release(server: Server, connection: BackendConnection, reusable: boolean): void {
    const list = this.#idle.get(server) ?? [];
    const keep =
      reusable &&
      !this.#closed &&
      !connection.broken &&
      connection.options.preamble === undefined &&
      server.state !== 'maint' &&
      list.length < this.options.maxIdlePerServer;
    if (!keep) {
      connection.quit();
      return;
    }
    const timer = setTimeout(() => this.#expire(server, connection), this.options.idleTimeout);
    timer.unref();
    connection.onBroken = () => this.#expire(server, connection);
    list.push({ connection, timer });
    this.#idle.set(server, list);
    server.inactive++;
  }

  /**
   * Closes idle connections introduced as a client whose session ended (no
   * one else may use them), making room for connections others can use.
   */
  forget(clientKeyPrefix: string): void {
    for (const [server, list] of this.#idle) {
      for (const idle of list.filter((i) => i.connection.clientKey?.startsWith(clientKeyPrefix))) {
        this.#expire(server, idle.connection);
      }
    }
  }

  /** Idle connections now, for status pages and tests. */
  get idleCount(): number {
    let n = 0;
    for (const list of this.#idle.values()) n += list.length;
    return n;
  }

  /** Closes every idle connection; later releases close theirs. */
  close(): void {
    this.#closed = true;
    for (const [server, list] of this.#idle) {
      for (const idle of list) {
        clearTimeout(idle.timer);
        idle.connection.quit();
        server.inactive--;
      }
    }
    this.#idle.clear();
  }

  #expire(server: Server, connection: BackendConnection): void {
    const list = this.#idle.get(server);
    const at = list?.findIndex((idle) => idle.connection === connection) ?? -1;
    if (at < 0) return;
    const [idle] = list!.splice(at, 1);
    clearTimeout(idle!.timer);
    server.inactive--;
    connection.onBroken = undefined;
    connection.quit();
  }
}
