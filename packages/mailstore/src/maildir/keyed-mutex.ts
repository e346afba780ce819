/**
 * An in-process FIFO mutex per key (a folder path): callers on one node wait
 * their turn here instead of polling the lock file against each other.
 */
export class KeyedMutex {
  readonly #queues = new Map<string, Array<() => void>>();

  /** Resolves with an unlock function once the caller holds `key`. */
  lock(key: string, timeoutMs?: number, onTimeout?: () => Error): Promise<() => void> {
    const waiters = this.#queues.get(key);
    if (waiters === undefined) {
      this.#queues.set(key, []);
      return Promise.resolve(this.#unlocker(key));
    }
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const grant = () => {
        if (timer) clearTimeout(timer);
        resolve(this.#unlocker(key));
      };
      waiters.push(grant);
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          const i = waiters.indexOf(grant);
          if (i >= 0) waiters.splice(i, 1);
          reject(onTimeout ? onTimeout() : new Error(`timed out waiting for ${key}`));
        }, timeoutMs);
        timer.unref();
      }
    });
  }

  #unlocker(key: string): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const queue = this.#queues.get(key);
      const next = queue?.shift();
      if (next) next();
      else this.#queues.delete(key);
    };
  }
}
