import { type MimeNode, parseMime } from '../mime/mime-tree.js';
import type { Mailbox } from './mailbox.js';
import { toCrlf } from './maildir.js';

/** A message in its wire form (CRLF), with its MIME tree parsed on first use. */
export class LoadedMessage {
  readonly data: Buffer;
  /** Read again since it was cached or last passed over for eviction (CLOCK). */
  used = false;
  #tree: MimeNode | undefined;

  constructor(data: Buffer) {
    this.data = data;
  }

  get tree(): MimeNode {
    this.#tree ??= parseMime(this.data);
    return this.#tree;
  }
}

/**
 * Recently read messages, by folder and base name (messages never change,
 * only their flags and thus file names do), bounded by total size. Saves
 * re-reading and re-parsing when a client fetches headers, then structure,
 * then the body of the same message. Eviction is CLOCK (second chance), so
 * a hit costs a flag write rather than a Map reorder.
 */
export class MessageCache {
  readonly #maxBytes: number;
  readonly #entries = new Map<string, LoadedMessage>();
  #bytes = 0;

  constructor(maxBytes = 32 * 1024 * 1024) {
    this.#maxBytes = maxBytes;
  }

  async load(mailbox: Mailbox, uid: number): Promise<LoadedMessage | undefined> {
    const entry = mailbox.entry(uid);
    if (!entry) return undefined;
    const key = `${mailbox.dir}\0${entry.base}`;
    const hit = this.#entries.get(key);
    if (hit) {
      hit.used = true;
      return hit;
    }
    const raw = await mailbox.read(uid);
    if (!raw) return undefined;
    const message = new LoadedMessage(toCrlf(raw));
    if (message.data.length <= this.#maxBytes / 4) {
      this.#entries.set(key, message);
      this.#bytes += message.data.length;
      while (this.#bytes > this.#maxBytes) {
        const [oldKey, old] = this.#entries.entries().next().value!;
        this.#entries.delete(oldKey);
        if (old.used) {
          old.used = false;
          this.#entries.set(oldKey, old); // second chance: to the back
        } else {
          this.#bytes -= old.data.length;
        }
      }
    }
    return message;
  }
}
