import { Mailbox, type MailboxOptions } from './mailbox.js';

export interface MailboxHandle {
  readonly mailbox: Mailbox;
  release(): void;
}

interface Slot {
  readonly mailbox: Mailbox;
  users: number;
}

/**
 * One Mailbox object per folder on a node, shared by every session and
 * delivery: an LMTP delivery's 'change' reaches the IDLE sessions of the same
 * node at once, and deliveries to one mailbox group-commit their UIDs.
 * Folders nobody uses stay cached (up to `keepIdle`) for their parsed uid list.
 */
export class MailboxRegistry {
  readonly #options: MailboxOptions;
  readonly #keepIdle: number;
  readonly #slots = new Map<string, Slot>();
  readonly #idle = new Set<string>();

  constructor(options: MailboxOptions, keepIdle = 256) {
    this.#options = options;
    this.#keepIdle = keepIdle;
  }

  acquire(name: string, dir: string): MailboxHandle {
    let slot = this.#slots.get(dir);
    if (!slot) {
      slot = { mailbox: new Mailbox(name, dir, this.#options), users: 0 };
      this.#slots.set(dir, slot);
    }
    slot.users++;
    this.#idle.delete(dir);
    const used = slot;
    let released = false;
    return {
      mailbox: slot.mailbox,
      release: () => {
        if (released) return;
        released = true;
        if (--used.users === 0) this.#retire(dir);
      },
    };
  }

  /** Forgets a folder (deleted or renamed); sessions holding it keep their object. */
  forget(dir: string): void {
    for (const key of [...this.#slots.keys()]) {
      if (key === dir || key.startsWith(`${dir}/`) || key.startsWith(`${dir}.`)) {
        this.#slots.delete(key);
        this.#idle.delete(key);
      }
    }
  }

  #retire(dir: string): void {
    this.#idle.add(dir);
    while (this.#idle.size > this.#keepIdle) {
      const oldest = this.#idle.values().next().value!;
      this.#idle.delete(oldest);
      this.#slots.delete(oldest);
    }
  }
}
