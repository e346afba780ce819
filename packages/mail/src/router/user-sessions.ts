import type { Server } from '@lvs7/core';

/** What the registry needs of a live (logged-in) mail session. */
export interface ActiveSession {
  /** The canonical mailbox (placement key). */
  readonly mailbox: string;
  readonly server: Server;
  /** Closes the session now (admin move, listener shutdown). */
  kick(reason: string): void;
}

/**
 * Logged-in sessions by mailbox, so placements can be kept alive while a
 * user has sessions (Dovecot director's user expiry), shown by the admin
 * API and kicked when a user is moved. Protocol-neutral.
 */
export class UserSessions {
  readonly #byMailbox = new Map<string, Set<ActiveSession>>();

  add(session: ActiveSession): () => void {
    let set = this.#byMailbox.get(session.mailbox);
    if (set === undefined) this.#byMailbox.set(session.mailbox, (set = new Set()));
    set.add(session);
    return () => {
      set.delete(session);
      if (set.size === 0 && this.#byMailbox.get(session.mailbox) === set)
        this.#byMailbox.delete(session.mailbox);
    };
  }

  of(mailbox: string): readonly ActiveSession[] {
    return [...(this.#byMailbox.get(mailbox) ?? [])];
  }

  count(mailbox: string): number {
    return this.#byMailbox.get(mailbox)?.size ?? 0;
  }

  /** Mailboxes with at least one session. */
  mailboxes(): IterableIterator<string> {
    return this.#byMailbox.keys();
  }

  get size(): number {
    let total = 0;
    for (const set of this.#byMailbox.values()) total += set.size;
    return total;
  }

  /** Kicks the mailbox's sessions (those not on `keep`); returns how many. */
  kick(mailbox: string, reason: string, keep?: string): number {
    let kicked = 0;
    for (const session of this.of(mailbox)) {
      if (keep !== undefined && session.server.name === keep) continue;
      session.kick(reason);
      kicked++;
    }
    return kicked;
  }

  kickAll(reason: string): void {
    for (const mailbox of [...this.#byMailbox.keys()]) this.kick(mailbox, reason);
  }
}
