import { EventEmitter } from 'node:events';
import { readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { keywordLetter, letterKeyword } from './keywords.js';
import type { MailboxLock } from './mailbox-lock.js';
import { MailboxWatcher } from './mailbox-watcher.js';
import {
  ensureMaildir,
  type MaildirSub,
  maildirChangeKey,
  scanMaildir,
  syncDir,
  withCurrentFile,
  writeMessage,
} from './maildir.js';
import { flagsToLetters, formatMaildirName, lettersToFlags, parseMaildirName } from './maildir-name.js';
import { addKeywords, applyMode, type MessageEntry, type StoreMode, toEntry } from './message-entry.js';
import { UidStore } from './uid-store.js';
import { appendRecords, removeRecords } from './uidlist.js';

export type { MessageEntry, StoreMode };

export interface MailboxState {
  readonly uidValidity: number;
  readonly uidNext: number;
  /** Ascending by uid. */
  readonly messages: readonly MessageEntry[];
  readonly keywords: readonly (string | undefined)[];
}

export interface MailboxOptions {
  readonly lock: MailboxLock;
  readonly fsync?: boolean | undefined;
  /** While watched (IDLE), how often to look for changes made by other nodes. Default 1000 ms. */
  readonly pollMs?: number | undefined;
}

/**
 * One Maildir folder as every session on this node sees it: the last synced
 * list of messages with their UIDs and flags. Syncs and flag/expunge changes
 * run one at a time; deliveries do not wait for them. Emits 'change' when
 * the list or any flag changed.
 */
export class Mailbox extends EventEmitter<{ change: [] }> {
  readonly name: string;
  readonly dir: string;
  readonly #uids: UidStore;
  readonly #fsync: boolean;
  readonly #watcher: MailboxWatcher;
  #state: MailboxState | undefined;
  #byUid = new Map<number, MessageEntry>();
  #queue: Promise<unknown> = Promise.resolve();
  #queuedSync: Promise<MailboxState> | undefined;
  #scanKey = '';
  #created = false;

  constructor(name: string, dir: string, options: MailboxOptions) {
    super();
    this.setMaxListeners(0);
    this.name = name;
    this.dir = dir;
    this.#fsync = options.fsync ?? true;
    this.#uids = new UidStore(dir, options.lock, this.#fsync);
    this.#watcher = new MailboxWatcher(dir, options.pollMs ?? 1000, () => void this.sync().catch(() => {}));
  }

  /** The last synced state (sync() first). */
  get state(): MailboxState {
    if (!this.#state) throw new Error(`mailbox ${this.name} not synced yet`);
    return this.#state;
  }

  entry(uid: number): MessageEntry | undefined {
    return this.#byUid.get(uid);
  }

  /** Makes sure the folder exists on disk with a uid list. */
  async create(): Promise<void> {
    await this.#ensureDirs();
    await this.#uids.ensureList();
  }

  async #ensureDirs(): Promise<void> {
    if (this.#created) return;
    await ensureMaildir(this.dir);
    this.#created = true;
  }

  /** Brings the state up to date with the disk; concurrent callers share one scan. */
  sync(): Promise<MailboxState> {
    this.#queuedSync ??= this.#exclusive(() => {
      this.#queuedSync = undefined;
      return this.#scan();
    });
    return this.#queuedSync;
  }

  /** Keeps this mailbox watching for changes by other nodes until the returned function is called. */
  watch(): () => void {
    return this.#watcher.retain();
  }

  flagsOf(entry: MessageEntry): string[] {
    const keywords = this.#state?.keywords ?? [];
    return lettersToFlags(entry.letters, (letter) => letterKeyword(keywords, letter));
  }

  /** Stores a message (delivery or APPEND); resolves with its UID once it is durable and numbered. */
  async append(message: Buffer, options: { flags?: readonly string[]; internalDate?: Date } = {}) {
    await this.#ensureDirs();
    const letters =
      options.flags && options.flags.length > 0 ? await this.#letters(options.flags) : undefined;
    const file = await writeMessage(this.dir, message, {
      letters,
      internalDate: options.internalDate,
      fsync: this.#fsync,
      syncDir: false,
    });
    // The directory fsync (making the rename durable) overlaps the uid list
    // update; the caller hears of success only when both are on disk.
    const durable = this.#fsync ? syncDir(join(this.dir, file.sub)) : undefined;
    const [{ list }] = await Promise.all([
      this.#uids.update((s) => ({ ...s, list: appendRecords(s.list, [file.filename]).list })),
      durable,
    ]);
    const base = parseMaildirName(file.filename).base;
    const record = list.records.findLast((r) => r.base === base)!;
    this.emit('change');
    return { uid: record.uid, uidValidity: list.uidValidity, file };
  }

  /** Changes flags; resolves with the entries whose flags changed. */
  store(uids: readonly number[], mode: StoreMode, flags: readonly string[]): Promise<MessageEntry[]> {
    return this.#exclusive(async () => {
      const letters = await this.#letters(flags);
      const changed: MessageEntry[] = [];
      for (const uid of uids) {
        const entry = this.#byUid.get(uid);
        if (!entry) continue;
        const updated = await this.#relocate(entry, (current) => applyMode(current, mode, letters), 'cur');
        if (updated && updated.letters !== entry.letters) changed.push(updated);
      }
      if (changed.length > 0) this.emit('change');
      return changed;
    });
  }

  /** Deletes messages; resolves with the uids that are gone. */
  expunge(uids: readonly number[]): Promise<number[]> {
    return this.#exclusive(async () => {
      const gone: MessageEntry[] = [];
      for (const uid of uids) {
        const entry = this.#byUid.get(uid);
        if (!entry) continue;
        await withCurrentFile(this.dir, entry, (file) => unlink(join(this.dir, file.sub, file.filename)));
        gone.push(entry);
      }
      if (gone.length === 0) return [];
      const bases = new Set(gone.map((e) => e.base));
      await this.#uids.update((s) => ({ ...s, list: removeRecords(s.list, bases) }));
      for (const entry of gone) this.#byUid.delete(entry.uid);
      this.#setState({ ...this.state, messages: this.state.messages.filter((m) => !bases.has(m.base)) });
      this.emit('change');
      return gone.map((e) => e.uid);
    });
  }

  /**
   * Moves messages from new/ to cur/. The uids this call moved are \Recent
   * for the caller: only one session (on any node) wins each rename.
   */
  claimNew(): Promise<number[]> {
    return this.#exclusive(async () => {
      const claimed: number[] = [];
      const moved: MessageEntry[] = [];
      for (const entry of this.state.messages) {
        if (entry.sub !== 'new') continue;
        const target = formatMaildirName(entry.base, entry.letters);
        try {
          await rename(join(this.dir, 'new', entry.filename), join(this.dir, 'cur', target));
          claimed.push(entry.uid);
          moved.push({ ...entry, sub: 'cur', filename: target });
        } catch {
          // someone else moved it: not recent for us (the next sync finds it in cur/)
        }
      }
      this.#put(moved);
      return claimed;
    });
  }

  /** The message as stored (LF line ends), or undefined once expunged. */
  async read(uid: number): Promise<Buffer | undefined> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const entry = this.#byUid.get(uid);
      if (!entry) return undefined;
      try {
        return await readFile(join(this.dir, entry.sub, entry.filename));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        this.#scanKey = '';
        await this.sync();
      }
    }
    return undefined;
  }

  /** The file's mtime: the message's INTERNALDATE. */
  async internalDate(uid: number): Promise<Date> {
    const entry = this.#byUid.get(uid);
    if (entry) {
      const s = await stat(join(this.dir, entry.sub, entry.filename)).catch(() => undefined);
      if (s) return s.mtime;
    }
    return new Date(0);
  }

  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => {});
    return run;
  }

  async #scan(): Promise<MailboxState> {
    const key = await maildirChangeKey(this.dir);
    if (this.#state && key !== undefined && key === this.#scanKey) return this.#state;
    const found = await scanMaildir(this.dir);
    let list = await this.#uids.readList();
    let keywords: readonly (string | undefined)[] = await this.#uids.readKeywords();
    const listed = new Set(list?.records.map((r) => r.base));
    const fresh = [...found.entries()]
      .filter(([base]) => !listed.has(base))
      .map(([, file]) => file.filename)
      .sort();
    if (list === undefined || fresh.length > 0) {
      ({ list, keywords } = await this.#uids.update((s) => ({
        ...s,
        list: appendRecords(s.list, fresh).list,
      })));
    }
    // A known message missing from one scan may have been renamed while
    // readdir() ran: look once more before calling it expunged.
    if (list.records.some((r) => !found.has(r.base) && this.#byUid.has(r.uid))) {
      for (const [base, file] of await scanMaildir(this.dir)) if (!found.has(base)) found.set(base, file);
    }
    const byUid = new Map<number, MessageEntry>();
    const messages: MessageEntry[] = [];
    // A listed message with no file was expunged, or moved by another node
    // while readdir() ran (new/ → cur/): then this scan is not to be trusted
    // as the state for its change key, so the next one looks again.
    let incomplete = false;
    for (const record of list.records) {
      const file = found.get(record.base);
      if (!file) {
        incomplete = true;
        continue;
      }
      const entry = toEntry(record.uid, file);
      messages.push(entry);
      byUid.set(entry.uid, entry);
    }
    const changed = this.#differs(messages, keywords);
    this.#byUid = byUid;
    this.#setState({ uidValidity: list.uidValidity, uidNext: list.nextUid, messages, keywords });
    this.#scanKey = incomplete ? '' : (key ?? '');
    if (changed) this.emit('change');
    return this.#state!;
  }

  #differs(messages: readonly MessageEntry[], keywords: readonly (string | undefined)[]): boolean {
    const old = this.#state;
    if (!old || old.messages.length !== messages.length || old.keywords.length !== keywords.length)
      return true;
    return messages.some((m, i) => old.messages[i]!.uid !== m.uid || old.messages[i]!.letters !== m.letters);
  }

  #setState(state: MailboxState): void {
    this.#state = state;
  }

  #put(entries: readonly MessageEntry[]): void {
    if (entries.length === 0) return;
    for (const entry of entries) this.#byUid.set(entry.uid, entry);
    const messages = this.state.messages.map((m) => this.#byUid.get(m.uid) ?? m);
    this.#setState({ ...this.state, messages });
  }

  /** Renames a message to new flags, following it if another node renamed it first. */
  async #relocate(entry: MessageEntry, letters: (current: string) => string, sub: MaildirSub) {
    let result: MessageEntry | undefined;
    await withCurrentFile(this.dir, entry, async (file) => {
      const current = parseMaildirName(file.filename).letters;
      const next = letters(current);
      if (next === current && file.sub === sub) {
        result = toEntry(entry.uid, file);
        return;
      }
      const filename = formatMaildirName(entry.base, next);
      await rename(join(this.dir, file.sub, file.filename), join(this.dir, sub, filename));
      result = toEntry(entry.uid, { sub, filename });
    });
    if (result) this.#put([result]);
    return result;
  }

  /** Letters for IMAP flags, giving new keywords a letter in dovecot-keywords. */
  async #letters(flags: readonly string[]): Promise<string> {
    let keywords: readonly (string | undefined)[] = await this.#uids.readKeywords();
    const missing = flags.filter((f) => !f.startsWith('\\') && keywordLetter(keywords, f) === undefined);
    if (missing.length > 0) {
      ({ keywords } = await this.#uids.update((s) => ({ ...s, keywords: addKeywords(s.keywords, missing) })));
      if (this.#state) this.#setState({ ...this.#state, keywords });
    }
    return flagsToLetters(flags, (k) => keywordLetter(keywords, k));
  }
}
