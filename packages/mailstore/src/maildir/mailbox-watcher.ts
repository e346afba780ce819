import { type FSWatcher, watch } from 'node:fs';
import { join } from 'node:path';

/**
 * Notices changes to a Maildir folder while someone waits for them (IDLE):
 * inotify through fs.watch for changes made on this machine, and polling as
 * the fallback for shared storage where other nodes' changes raise no event
 * (NFS). `onChange` is debounced.
 */
export class MailboxWatcher {
  readonly #dir: string;
  readonly #pollMs: number;
  readonly #onChange: () => void;
  #users = 0;
  #watchers: FSWatcher[] = [];
  #poll: NodeJS.Timeout | undefined;
  #debounce: NodeJS.Timeout | undefined;

  constructor(dir: string, pollMs: number, onChange: () => void) {
    this.#dir = dir;
    this.#pollMs = pollMs;
    this.#onChange = onChange;
  }

  /** Starts watching (if not yet); the returned function stops this user's interest. */
  retain(): () => void {
    if (this.#users++ === 0) this.#start();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.#users === 0) this.#stop();
    };
  }

  #start(): void {
    for (const sub of ['new', 'cur']) {
      try {
        const watcher = watch(join(this.#dir, sub), { persistent: false }, () => this.#changed());
        watcher.on('error', () => {});
        this.#watchers.push(watcher);
      } catch {
        // no inotify here: polling alone
      }
    }
    this.#poll = setInterval(() => this.#onChange(), this.#pollMs);
    this.#poll.unref();
  }

  #stop(): void {
    for (const watcher of this.#watchers) watcher.close();
    this.#watchers = [];
    clearInterval(this.#poll);
    clearTimeout(this.#debounce);
    this.#poll = undefined;
  }

  #changed(): void {
    clearTimeout(this.#debounce);
    this.#debounce = setTimeout(() => this.#onChange(), 10);
    this.#debounce.unref();
  }
}
