import type { Mailbox, MessageEntry } from '../maildir/mailbox.js';
import type { MailboxHandle } from '../maildir/mailbox-registry.js';
import { lowerBound } from './sequence-set.js';

/**
 * The selected mailbox as one session's client knows it: sequence numbers
 * (positions in `uids`), the flags last reported and the session's \Recent
 * messages. notify() tells the client what changed since, as untagged
 * EXPUNGE / EXISTS / RECENT / FETCH responses; expunges wait for a command
 * that may report them (not FETCH, STORE or SEARCH: RFC 3501 7.4.1).
 */
export class SelectedMailbox {
  readonly handle: MailboxHandle;
  readonly readOnly: boolean;
  /** UID of each sequence number - 1. */
  uids: number[] = [];
  readonly recent = new Set<number>();
  readonly #known = new Map<number, string>();

  private constructor(handle: MailboxHandle, readOnly: boolean) {
    this.handle = handle;
    this.readOnly = readOnly;
  }

  get mailbox(): Mailbox {
    return this.handle.mailbox;
  }

  /** Syncs, claims new messages as \Recent (read-write only) and takes the client's first view. */
  static async open(handle: MailboxHandle, readOnly: boolean): Promise<SelectedMailbox> {
    const selected = new SelectedMailbox(handle, readOnly);
    await handle.mailbox.sync();
    if (!readOnly) for (const uid of await handle.mailbox.claimNew()) selected.recent.add(uid);
    for (const entry of handle.mailbox.state.messages) {
      selected.uids.push(entry.uid);
      selected.#known.set(entry.uid, entry.letters);
    }
    return selected;
  }

  /** Sequence number of a uid in this view (0 when absent). */
  seqOf(uid: number): number {
    const i = lowerBound(this.uids, uid);
    return this.uids[i] === uid ? i + 1 : 0;
  }

  /**
   * \Recent is per session: the messages this session moved out of new/;
   * a read-only session moves nothing, so for it whatever is still in new/.
   */
  isRecent(entry: MessageEntry): boolean {
    return this.recent.has(entry.uid) || (this.readOnly && entry.sub === 'new');
  }

  /** Flags for a message as this session reports them. */
  flags(entry: MessageEntry): string[] {
    const flags = this.mailbox.flagsOf(entry);
    if (this.isRecent(entry)) flags.push('\\Recent');
    return flags;
  }

  /** Records flags the session itself just reported (STORE), so notify() does not repeat them. */
  reported(entry: MessageEntry): void {
    this.#known.set(entry.uid, entry.letters);
  }

  /** Writes the untagged updates since the last call; `withUid` adds UID to flag FETCHes. */
  async notify(send: (line: string) => void, allowExpunge: boolean, withUid = false): Promise<void> {
    const mailbox = this.mailbox;
    await mailbox.sync();
    if (!this.readOnly && mailbox.state.messages.some((m) => m.sub === 'new')) {
      for (const uid of await mailbox.claimNew()) this.recent.add(uid);
    }
    const current = mailbox.state.messages;
    if (allowExpunge) {
      const present = new Set(current.map((m) => m.uid));
      for (let i = this.uids.length - 1; i >= 0; i--) {
        const uid = this.uids[i]!;
        if (present.has(uid)) continue;
        send(`* ${i + 1} EXPUNGE`);
        this.uids.splice(i, 1);
        this.#known.delete(uid);
        this.recent.delete(uid);
      }
    }
    const last = this.uids[this.uids.length - 1] ?? 0;
    const added = current.filter((m) => m.uid > last);
    if (added.length > 0) {
      for (const entry of added) {
        this.uids.push(entry.uid);
        this.#known.set(entry.uid, entry.letters);
      }
      send(`* ${this.uids.length} EXISTS`);
      send(`* ${this.recent.size} RECENT`);
    }
    for (const entry of current) {
      const known = this.#known.get(entry.uid);
      if (known === undefined || known === entry.letters) continue;
      this.#known.set(entry.uid, entry.letters);
      const uid = withUid ? `UID ${entry.uid} ` : '';
      send(`* ${this.seqOf(entry.uid)} FETCH (${uid}FLAGS (${this.flags(entry).join(' ')}))`);
    }
  }

  close(): void {
    this.handle.release();
  }
}
