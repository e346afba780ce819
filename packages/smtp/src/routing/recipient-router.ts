import type { Pool, Server } from '@lvs7/core';
import type { Directory, MailboxEntry } from '@lvs7/directory';
import { domainOf, isBarePostmaster } from '../address.js';
import type { ConnectionCache } from '../backend/connection-cache.js';
import { SmtpError } from '../errors.js';
import type { ResolvedBackendOptions } from '../options.js';
import type { PlaceOptions, RecipientPlacement, RecipientServer } from './placement.js';

/** A pool the listener delivers to, with how its servers are spoken to. */
export interface BackendRoute {
  /** `mailbox`: the pool holding our users' mailboxes; `relay`: authenticated clients' outbound mail. */
  readonly kind: 'mailbox' | 'relay';
  readonly pool: Pool;
  readonly backend: ResolvedBackendOptions;
  readonly connections: ConnectionCache;
  /** Mailbox placement (the mailbox route); relayed mail is spread by the pool's scheduler alone. */
  readonly placement: RecipientPlacement | undefined;
}

/** Where one accepted recipient goes. */
export interface RecipientRoute {
  readonly route: BackendRoute;
  /** The address the backend gets in RCPT TO (the canonical mailbox, or mailRoutingAddress). */
  readonly forwardPath: string;
  /** Scheduler key: the mailbox (relay: the destination domain). */
  readonly key: string;
  /** The directory entry (mailbox route only). */
  readonly entry: MailboxEntry | undefined;
}

/**
 * The recipient policy: mail for our domains goes to the mailbox the
 * directory names (unknown users refused, 550), mail for other domains only
 * from authenticated clients and only through the relay pool (never an
 * open relay, 554), and a directory that cannot answer is a 451, never a 5xx.
 * Addresses are rewritten as the inetLocalMailRecipient draft describes:
 * `mail` and `mailLocalAddress` find the entry, `mailRoutingAddress` (when
 * present) replaces the recipient, `mailHost` names the server (see
 * RecipientPlacement).
 */
export class RecipientRouter {
  readonly #domains: ReadonlySet<string>;
  readonly #directory: Directory;
  readonly #mailbox: BackendRoute;
  readonly #relay: BackendRoute | undefined;

  constructor(
    domains: ReadonlySet<string>,
    directory: Directory,
    mailbox: BackendRoute,
    relay: BackendRoute | undefined,
  ) {
    this.#domains = domains;
    this.#directory = directory;
    this.#mailbox = mailbox;
    this.#relay = relay;
  }

  isLocal(address: string): boolean {
    return this.#domains.has(domainOf(address));
  }

  /** Resolves a recipient or throws the SmtpError the client gets. */
  async route(address: string, authenticated: boolean): Promise<RecipientRoute> {
    if (isBarePostmaster(address)) address = `postmaster@${this.#domains.values().next().value}`;
    if (!this.isLocal(address)) {
      if (!authenticated || this.#relay === undefined) throw new SmtpError('LVS7_SMTP_RELAY_DENIED');
      return this.#relayed(address);
    }
    let entry: MailboxEntry | undefined;
    try {
      entry = await this.#directory.lookup(address);
    } catch (error) {
      // Whatever the directory failed with, it is not the user's fault: 451, never 5xx.
      throw new SmtpError('LVS7_SMTP_DIRECTORY_UNAVAILABLE', undefined, { cause: error });
    }
    if (entry === undefined) throw new SmtpError('LVS7_SMTP_USER_UNKNOWN');
    const forwardPath = entry.routingAddress ?? (entry.mailbox.includes('@') ? entry.mailbox : address);
    const pinned = this.#mailbox.placement?.named(entry);
    if (pinned === undefined && !this.isLocal(forwardPath)) {
      // mailRoutingAddress points outside the cluster and mailHost names none of our servers.
      if (this.#relay !== undefined) return this.#relayed(forwardPath);
      if (this.#mailbox.backend.protocol === 'lmtp') {
        throw new SmtpError('LVS7_SMTP_NOT_LOCAL', `User not local; please try <${forwardPath}>`);
      }
      // SMTP backends are MTAs: they route it on themselves.
    }
    return { route: this.#mailbox, forwardPath, key: entry.mailbox.toLowerCase(), entry };
  }

  #relayed(address: string): RecipientRoute {
    return { route: this.#relay!, forwardPath: address, key: domainOf(address), entry: undefined };
  }
}

/** Where a transaction's first recipient goes: mailboxes by RecipientPlacement, relayed mail by the pool's scheduler. */
export function placeRoute(target: RecipientRoute, options: PlaceOptions): RecipientServer | undefined {
  const { placement, pool } = target.route;
  if (placement !== undefined && target.entry !== undefined) return placement.place(target.entry, options);
  const server = pool.pick({
    key: target.key,
    clientAddress: options.clientAddress,
    exclude: options.exclude,
  });
  return server === undefined ? undefined : { server, pinned: false };
}

/** Whether a further recipient of the same route belongs on `current` (else the client gets 452 4.5.3). */
export function fitsRoute(target: RecipientRoute, current: Server, clientAddress: string): boolean {
  const { placement, pool } = target.route;
  if (placement !== undefined && target.entry !== undefined)
    return placement.fits(target.entry, current, clientAddress);
  return !pool.hashing || (pool.pick({ key: target.key, clientAddress }) ?? current) === current;
}
