import { Lvs7Error } from '@lvs7/core';
import type { Directory, MailboxEntry } from '@lvs7/directory';

export interface FakeUser {
  readonly mail: string;
  readonly aliases?: readonly string[];
  readonly host?: string;
  readonly routingAddress?: string;
  readonly password?: string;
}

/** An in-memory Directory; `down = true` makes it reject as DirectoryUnavailableError does. */
export class FakeDirectory implements Directory {
  readonly name = 'fake';
  down = false;
  lookups = 0;
  readonly #entries = new Map<string, { entry: MailboxEntry; password: string | undefined }>();

  constructor(users: readonly FakeUser[]) {
    for (const u of users) {
      const entry: MailboxEntry = {
        mailbox: u.mail,
        uid: u.mail.split('@')[0],
        host: u.host,
        aliases: u.aliases ?? [],
        routingAddress: u.routingAddress,
        dn: `uid=${u.mail.split('@')[0]},ou=people,dc=example,dc=org`,
        attributes: {},
      };
      for (const address of [u.mail, ...(u.aliases ?? [])])
        this.#entries.set(address.toLowerCase(), { entry, password: u.password });
      this.#entries.set(entry.uid!, { entry, password: u.password });
    }
  }

  async lookup(user: string): Promise<MailboxEntry | undefined> {
    this.lookups++;
    this.#check();
    return this.#entries.get(user.toLowerCase())?.entry;
  }

  async verifyPassword(user: string, password: string): Promise<boolean> {
    this.#check();
    const found = this.#entries.get(user.toLowerCase());
    return found?.password !== undefined && found.password === password;
  }

  async close(): Promise<void> {}

  #check(): void {
    if (this.down)
      throw new Lvs7Error('LVS7_ERR_DIRECTORY_UNAVAILABLE', 'directory "fake" is unavailable: down');
  }
}
