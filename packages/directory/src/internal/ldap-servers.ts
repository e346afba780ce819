import { BusyError, Client, type ClientOptions, ResultCodeError, UnavailableError } from 'ldapts';
import type { Logger } from 'pino';
import { DirectoryUnavailableError } from '../errors.js';
import type { Clock } from './lru-cache.js';

export type ClientFactory = (options: ClientOptions) => Client;

export interface LdapServersOptions {
  /** Names the directory in errors. */
  readonly name: string;
  readonly urls: readonly string[];
  readonly bindDN?: string | undefined;
  readonly bindPassword?: string | undefined;
  readonly timeout: number;
  readonly retryInterval: number;
  readonly now?: Clock | undefined;
  /** Makes ldapts clients; tests hand in fakes. */
  readonly createClient?: ClientFactory | undefined;
}

/**
 * The LDAP servers of one directory, in failover order. Keeps one bound
 * service connection per URL and reuses it (ldapts reconnects and replays
 * the bind when the server closed an idle connection); a connection that
 * fails is dropped and rebuilt on next use. A URL that failed is tried after
 * the others until `retryInterval` has passed, so a dead first server costs
 * one timeout per interval rather than one per lookup.
 */
export class LdapServers {
  readonly #options: LdapServersOptions;
  readonly #logger: Logger;
  readonly #now: Clock;
  readonly #createClient: ClientFactory;
  readonly #service = new Map<string, Promise<Client>>();
  readonly #downUntil = new Map<string, number>();

  constructor(options: LdapServersOptions, logger: Logger) {
    this.#options = options;
    this.#logger = logger;
    this.#now = options.now ?? Date.now;
    this.#createClient = options.createClient ?? ((o) => new Client(o));
  }

  /** The URLs to try, in order: healthy ones as configured, then those that failed recently. */
  order(): string[] {
    const now = this.#now();
    const down = (url: string) => (this.#downUntil.get(url) ?? 0) > now;
    const urls = this.#options.urls;
    return [...urls.filter((u) => !down(u)), ...urls.filter(down)];
  }

  /**
   * Runs `op` on the service connection of the first URL that works; rejects
   * with DirectoryUnavailableError when every URL failed.
   */
  async withService<T>(op: (client: Client) => Promise<T>): Promise<T> {
    const failures: string[] = [];
    let cause: unknown;
    for (const url of this.order()) {
      const client = this.#serviceClient(url);
      try {
        const result = await op(await client);
        this.#downUntil.delete(url);
        return result;
      } catch (err) {
        cause = err;
        failures.push(this.#failed(url, err));
        this.#drop(url, client);
      }
    }
    throw new DirectoryUnavailableError(this.#options.name, failures.join('; '), { cause });
  }

  /**
   * Binds as `dn` with `password` on a connection of its own (never the
   * service connection, whose identity must not change), then unbinds. True
   * when the server accepts the bind; false when it answers with an error
   * (invalid credentials, account locked…); the next URL when it is
   * unreachable, busy or unavailable. The caller refuses empty passwords.
   */
  async checkBind(dn: string, password: string): Promise<boolean> {
    const failures: string[] = [];
    let cause: unknown;
    for (const url of this.order()) {
      const client = this.#newClient(url);
      try {
        await client.bind(dn, password);
        this.#downUntil.delete(url);
        return true;
      } catch (err) {
        if (err instanceof ResultCodeError && !isServerTrouble(err)) return false;
        cause = err;
        failures.push(this.#failed(url, err));
      } finally {
        client.unbind().catch(() => {});
      }
    }
    throw new DirectoryUnavailableError(this.#options.name, failures.join('; '), { cause });
  }

  async close(): Promise<void> {
    const clients = [...this.#service.values()];
    this.#service.clear();
    await Promise.allSettled(clients.map(async (c) => (await c).unbind()));
  }

  #newClient(url: string): Client {
    const { timeout } = this.#options;
    return this.#createClient({ url, timeout, connectTimeout: timeout, autoRebind: true });
  }

  #serviceClient(url: string): Promise<Client> {
    let client = this.#service.get(url);
    if (!client) {
      client = this.#connect(url);
      // Kept even while connecting, so concurrent lookups share one bind.
      this.#service.set(url, client);
      client.catch(() => {});
    }
    return client;
  }

  async #connect(url: string): Promise<Client> {
    const client = this.#newClient(url);
    const { bindDN, bindPassword } = this.#options;
    try {
      if (bindDN !== undefined) await client.bind(bindDN, bindPassword ?? '');
      this.#logger.debug({ url, bindDN }, 'LDAP connection bound');
      return client;
    } catch (err) {
      client.unbind().catch(() => {});
      throw err;
    }
  }

  #drop(url: string, client: Promise<Client>): void {
    if (this.#service.get(url) === client) this.#service.delete(url);
    client.then((c) => c.unbind()).catch(() => {});
  }

  #failed(url: string, err: unknown): string {
    const now = this.#now();
    const wasUp = (this.#downUntil.get(url) ?? 0) <= now;
    this.#downUntil.set(url, now + this.#options.retryInterval);
    const reason = describe(err);
    // Warn when a server goes down, not again on every lookup while it stays down.
    if (wasUp) this.#logger.warn({ url, reason }, 'LDAP server failed; trying the next one');
    else this.#logger.debug({ url, reason }, 'LDAP server still failing');
    return `${url}: ${reason}`;
  }
}

/** Result codes that say "this server cannot serve now" rather than answering the request. */
function isServerTrouble(err: ResultCodeError): boolean {
  return err instanceof BusyError || err instanceof UnavailableError;
}

function describe(err: unknown): string {
  if (err instanceof ResultCodeError) return `${err.message} (result code ${err.code})`;
  if (err instanceof Error) return err.message;
  return String(err);
}
