import type { Entry } from 'ldapts';
import type { Logger } from 'pino';
import { CachedDirectory } from './cached-directory.js';
import type { MailboxEntry } from './directory.js';
import { expandFilter } from './filter.js';
import { type RawAttributes, toMailboxEntry } from './internal/entry.js';
import { type ClientFactory, LdapServers } from './internal/ldap-servers.js';
import type { Clock } from './internal/lru-cache.js';
import { type LdapDirectoryOptions, type ResolvedLdapOptions, resolveLdapOptions } from './options.js';

/** Seams for tests: a fake clock and fake ldapts clients. */
export interface LdapDirectoryDeps {
  readonly now?: Clock | undefined;
  readonly createClient?: ClientFactory | undefined;
}

/**
 * A directory in LDAP (OpenLDAP, 389 DS, Active Directory…), read with
 * ldapts: a subtree search under `baseDN` with the configured filter, as the
 * service account, over one reused connection per URL with failover in
 * order; answers cached by CachedDirectory. Passwords are checked by binding
 * as the user's DN on a separate connection.
 */
export class LdapDirectory extends CachedDirectory {
  readonly options: Readonly<Omit<ResolvedLdapOptions, 'bindPassword'>>;
  readonly #filter: string;
  readonly #hostAttribute: string;
  readonly #servers: LdapServers;

  constructor(name: string, options: LdapDirectoryOptions, logger: Logger, deps: LdapDirectoryDeps = {}) {
    const resolved = resolveLdapOptions(name, options);
    super(name, resolved, logger, deps.now);
    const { bindPassword, ...shown } = resolved;
    this.options = Object.freeze(shown);
    this.#filter = resolved.filter;
    this.#hostAttribute = resolved.hostAttribute.toLowerCase();
    this.#servers = new LdapServers(
      {
        name,
        urls: resolved.urls,
        bindDN: resolved.bindDN,
        bindPassword,
        timeout: resolved.timeout,
        retryInterval: resolved.retryInterval,
        now: deps.now,
        createClient: deps.createClient,
      },
      logger,
    );
  }

  protected query(key: string): Promise<MailboxEntry | undefined> {
    const filter = expandFilter(this.#filter, key);
    const { baseDN, attributes, timeout } = this.options;
    return this.#servers.withService(async (client) => {
      const { searchEntries } = await client.search(baseDN, {
        scope: 'sub',
        filter,
        // Two tell "one user" from "ambiguous" without fetching a crowd.
        sizeLimit: 2,
        timeLimit: Math.ceil(timeout / 1000),
        ...(attributes ? { attributes: [...attributes] } : {}),
      });
      if (searchEntries.length > 1) {
        this.logger.warn(
          { user: key, dns: searchEntries.map((e) => e.dn) },
          'ambiguous user: several entries match',
        );
        return undefined;
      }
      const [entry] = searchEntries;
      return entry ? toMailboxEntry(entry.dn, rawAttributes(entry), this.#hostAttribute) : undefined;
    });
  }

  /**
   * Binds as the user's DN with `password` on a connection of its own.
   * An empty password is refused without asking the server: RFC 4513 §5.1.2
   * makes it an unauthenticated bind, which servers may accept.
   */
  async verifyPassword(user: string, password: string): Promise<boolean> {
    if (password.length === 0) return false;
    const entry = await this.lookup(user);
    if (!entry) return false;
    const ok = await this.#servers.checkBind(entry.dn, password);
    this.logger.debug({ user: entry.mailbox, ok }, 'directory password check');
    return ok;
  }

  override async close(): Promise<void> {
    await super.close();
    await this.#servers.close();
  }
}

function rawAttributes(entry: Entry): RawAttributes {
  const attrs: RawAttributes = {};
  for (const [name, value] of Object.entries(entry)) {
    if (name === 'dn') continue;
    const values = Array.isArray(value) ? value : [value];
    (attrs[name.toLowerCase()] ??= []).push(
      ...values.map((v) => (typeof v === 'string' ? v : v.toString('utf8'))),
    );
  }
  return attrs;
}
