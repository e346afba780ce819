import type { Directory, MailboxEntry } from '@lvs7/directory';

class FakeUnavailableError extends Error {
  readonly code = 'LVS7_ERR_DIRECTORY_UNAVAILABLE';
}

/** An in-memory Directory: users by login or mailbox, and a switch to make it unavailable. */
export class FakeDirectory implements Directory {
  readonly name = 'fake';
  available = true;
  lookups = 0;
  readonly #entries = new Map<string, MailboxEntry>();

  constructor(users: ReadonlyArray<{ uid: string; mailbox?: string; host?: string }> = []) {
    for (const u of users) this.set(u.uid, u.host, u.mailbox);
  }

  set(uid: string, host?: string, mailbox = `${uid}@example.org`): void {
    const entry: MailboxEntry = { mailbox, uid, host, aliases: [], dn: `uid=${uid}`, attributes: {} };
    this.#entries.set(uid.toLowerCase(), entry);
    this.#entries.set(mailbox.toLowerCase(), entry);
  }

  async lookup(user: string): Promise<MailboxEntry | undefined> {
    this.lookups++;
    if (!this.available) throw new FakeUnavailableError('directory down');
    return this.#entries.get(user.toLowerCase());
  }

  async verifyPassword(): Promise<boolean> {
    return false;
  }

  async close(): Promise<void> {}
}
