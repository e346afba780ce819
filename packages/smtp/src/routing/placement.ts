import type { Pool, Server, StateStore } from '@lvs7/core';
import type { Directory, MailboxEntry } from '@lvs7/directory';
import { MailRouter, type Placement } from '@lvs7/mail';
import { SmtpError } from '../errors.js';

/** Where a recipient goes: the server, and whether the directory pins the mailbox to it. */
export interface RecipientServer {
  readonly server: Server;
  /** The directory's mailHost names this server: no other server may take the mailbox. */
  readonly pinned: boolean;
}

export interface PlaceOptions {
  readonly clientAddress?: string | undefined;
  /** Servers that already failed for this recipient. */
  readonly exclude?: ReadonlySet<Server> | undefined;
}

/**
 * Whether a pinned mailbox's server may take its mail now: up (healthy, not
 * ejected) and not in maintenance. A server in drain still takes mail for
 * the mailboxes it holds (they are its sticky sessions); one at its
 * connection limit does not (the client retries after the 451).
 */
export function acceptsPinned(server: Server): boolean {
  return server.state !== 'maint' && server.healthy && !server.ejected && !server.full;
}

/**
 * Recipient → server placement, by @lvs7/mail's protocol-neutral MailRouter
 * (a remembered placement, else the server whose name is the directory's
 * mailHost, else the pool's scheduler over the mailbox), so mail is
 * delivered where IMAP and POP3 logins of the same mailbox go — give the
 * listeners one StateStore. On top, SMTP's own rules: a pinned mailbox is
 * never delivered elsewhere (its server down → 451), and a recipient joins
 * a transaction's server when nothing prefers another one.
 */
export class RecipientPlacement {
  readonly pool: Pool;
  readonly #router: MailRouter;

  constructor(pool: Pool, directory: Directory, state: StateStore | undefined) {
    this.pool = pool;
    this.#router = new MailRouter({ pool, directory, state });
  }

  /** The pool server the entry's mailHost names, if any. */
  named(entry: MailboxEntry): Server | undefined {
    return entry.host === undefined ? undefined : this.pool.get(entry.host);
  }

  /** Where a transaction's first recipient goes, or undefined when no server can take it now (451). */
  place(entry: MailboxEntry, options: PlaceOptions = {}): RecipientServer | undefined {
    const named = this.named(entry);
    const placement = this.#place(entry, options);
    if (named !== undefined && (placement === undefined || placement.reason === 'failover')) {
      // The mailbox's own server is out: it keeps its mail only while in drain.
      return acceptsPinned(named) && !options.exclude?.has(named)
        ? { server: named, pinned: true }
        : undefined;
    }
    if (placement === undefined) return undefined;
    return { server: placement.server, pinned: placement.pinned || placement.server === named };
  }

  /**
   * Whether a further recipient may join the transaction bound to `current`:
   * yes when it is placed there, or when nothing prefers another server (no
   * mailHost, no remembered placement, a non-hashing scheduler). Throws 451
   * for a pinned mailbox whose server is out.
   */
  fits(entry: MailboxEntry, current: Server, clientAddress?: string): boolean {
    const named = this.named(entry);
    const placement = this.#place(entry, { clientAddress });
    if (named !== undefined && (placement === undefined || placement.reason === 'failover')) {
      if (!acceptsPinned(named)) throw new SmtpError('LVS7_SMTP_NO_SERVER');
      return named === current;
    }
    if (placement === undefined || placement.server === current) return true;
    if (placement.pinned || placement.server === named) return false;
    return !this.pool.hashing && (placement.reason === 'hash' || placement.reason === 'failover');
  }

  /** Remembers where the mailbox now is, so every protocol sends it there while the placement lives. */
  remember(entry: MailboxEntry, server: Server): void {
    this.#router.remember(entry.mailbox, server.name);
  }

  close(): void {
    this.#router.close();
  }

  #place(entry: MailboxEntry, options: PlaceOptions): Placement | undefined {
    try {
      return this.#router.place(entry, { clientAddress: options.clientAddress, exclude: options.exclude });
    } catch {
      // MailRouter's TemporaryFailureError: no server of the pool can take the mailbox now.
      return undefined;
    }
  }
}
