import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Logger } from 'pino';
import { ByteLru } from './byte-lru.js';
import { CacheDiskError } from './errors.js';
import { type ObjectMeta, objectCost, type StoredObject } from './stored-object.js';

export interface DiskStoreOptions {
  readonly path: string;
  /** Bytes the objects may take (bodies plus a share for metadata). */
  readonly size: number;
  readonly maxObjectSize: number;
  readonly logger?: Logger | undefined;
  /** An object left the disk (evicted), so the caller can update its indexes. */
  readonly onEvict?: ((meta: ObjectMeta) => void) | undefined;
}

const META = '.meta';
const BODY = '.body';

/**
 * Objects on disk: one body file and one metadata file (JSON) per object,
 * in 256 subdirectories by hash (as Squid's L1 directories). The index of
 * metadata lives in memory, bounded by bytes with LRU eviction, and is
 * rebuilt from the metadata files at open(). A metadata file is written
 * after its body (each through a temporary file and rename), so a crash
 * leaves no metadata without a complete body. Operations on one key run in
 * order; writes are asynchronous and flush() waits for them.
 */
export class DiskStore {
  readonly path: string;
  readonly maxObjectSize: number;
  readonly #index: ByteLru<ObjectMeta>;
  readonly #logger: Logger | undefined;
  readonly #onEvict: DiskStoreOptions['onEvict'];
  /** The last pending operation per file name: operations on one object are serialized. */
  readonly #chains = new Map<string, Promise<void>>();
  #closed = false;

  private constructor(options: DiskStoreOptions) {
    this.path = options.path;
    this.maxObjectSize = Math.min(options.maxObjectSize, options.size);
    this.#logger = options.logger;
    this.#onEvict = options.onEvict;
    this.#index = new ByteLru<ObjectMeta>(options.size, (_key, meta) => {
      this.#removeFiles(meta.key);
      this.#onEvict?.(meta);
    });
  }

  /** Opens (creating) the directory and loads the index from the metadata files. */
  static async open(options: DiskStoreOptions): Promise<DiskStore> {
    const store = new DiskStore(options);
    try {
      await store.#load();
    } catch (error) {
      throw new CacheDiskError(options.path, error);
    }
    return store;
  }

  get bytes(): number {
    return this.#index.bytes;
  }

  get count(): number {
    return this.#index.size;
  }

  get capacity(): number {
    return this.#index.capacity;
  }

  meta(key: string): ObjectMeta | undefined {
    return this.#index.peek(key);
  }

  /** Every indexed object's metadata (to rebuild indexes after open). */
  *metas(): IterableIterator<ObjectMeta> {
    for (const key of [...this.#index.keys()]) {
      const meta = this.#index.peek(key);
      if (meta !== undefined) yield meta;
    }
  }

  /** Reads an object's body; undefined (and the entry dropped) if its file is gone. */
  async get(key: string): Promise<StoredObject | undefined> {
    const meta = this.#index.get(key);
    if (meta === undefined) return undefined;
    try {
      const body = await readFile(this.#file(key, BODY));
      if (body.length === meta.size) return { meta, body };
    } catch (error) {
      this.#logger?.warn({ err: error, key }, 'cache: disk object unreadable');
    }
    if (this.#index.peek(key) === meta) {
      this.#index.delete(key);
      this.#removeFiles(key);
      this.#onEvict?.(meta);
    }
    return undefined;
  }

  /** Writes the object in the background; it is indexed once both files are on disk. */
  put(object: StoredObject): boolean {
    const { meta } = object;
    if (this.#closed || meta.size > this.maxObjectSize || objectCost(meta) > this.#index.capacity)
      return false;
    // The old version leaves the index now: a read must not pair its metadata with the new body.
    this.#index.delete(meta.key);
    this.#chain(meta.key, async () => {
      await this.#dir(meta.key);
      await atomicWrite(this.#file(meta.key, BODY), object.body);
      await atomicWrite(this.#file(meta.key, META), JSON.stringify(meta));
      this.#index.set(meta.key, meta, objectCost(meta));
    });
    return true;
  }

  /** Rewrites an object's metadata (after a 304). */
  freshen(meta: ObjectMeta): void {
    if (!this.#index.has(meta.key)) return;
    this.#index.set(meta.key, meta, objectCost(meta));
    this.#chain(meta.key, () => atomicWrite(this.#file(meta.key, META), JSON.stringify(meta)));
  }

  delete(key: string): boolean {
    const meta = this.#index.delete(key);
    if (meta !== undefined) this.#removeFiles(key);
    return meta !== undefined;
  }

  /** Waits for every pending write and removal. */
  async flush(): Promise<void> {
    while (this.#chains.size > 0) await Promise.all([...this.#chains.values()]);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
  }

  #removeFiles(key: string): void {
    this.#chain(key, async () => {
      await unlink(this.#file(key, META)).catch(() => {});
      await unlink(this.#file(key, BODY)).catch(() => {});
    });
  }

  #chain(key: string, operation: () => Promise<void>): void {
    const name = fileName(key);
    const before = this.#chains.get(name) ?? Promise.resolve();
    const next = before
      .then(operation)
      .catch((error: unknown) =>
        this.#logger?.warn({ err: error, key }, 'cache: disk store operation failed'),
      )
      .finally(() => {
        if (this.#chains.get(name) === next) this.#chains.delete(name);
      });
    this.#chains.set(name, next);
  }

  #file(key: string, suffix: string): string {
    const name = fileName(key);
    return join(this.path, name.slice(0, 2), name + suffix);
  }

  async #dir(key: string): Promise<void> {
    await mkdir(join(this.path, fileName(key).slice(0, 2)), { recursive: true });
  }

  async #load(): Promise<void> {
    await mkdir(this.path, { recursive: true });
    const found: { meta: ObjectMeta; mtime: number }[] = [];
    for (const sub of await readdir(this.path, { withFileTypes: true })) {
      if (!sub.isDirectory() || !/^[0-9a-f]{2}$/.test(sub.name)) continue;
      const dir = join(this.path, sub.name);
      const names = new Set(await readdir(dir));
      const reads: Promise<{ meta: ObjectMeta; mtime: number } | undefined>[] = [];
      for (const name of names) {
        const full = join(dir, name);
        if (
          name.endsWith('.tmp') ||
          (name.endsWith(BODY) && !names.has(name.slice(0, -BODY.length) + META))
        ) {
          await unlink(full).catch(() => {});
        } else if (name.endsWith(META)) {
          reads.push(this.#readMeta(full, join(dir, name.slice(0, -META.length) + BODY)));
        }
      }
      // One subdirectory's objects at a time, read in parallel.
      for (const entry of await Promise.all(reads)) if (entry !== undefined) found.push(entry);
    }
    // Oldest first, so the most recently written end up most recently used.
    found.sort((a, b) => a.mtime - b.mtime);
    for (const { meta } of found) this.#index.set(meta.key, meta, objectCost(meta));
    this.#logger?.info(
      { path: this.path, objects: this.#index.size, bytes: this.#index.bytes },
      'cache: disk store loaded',
    );
  }

  async #readMeta(
    metaFile: string,
    bodyFile: string,
  ): Promise<{ meta: ObjectMeta; mtime: number } | undefined> {
    try {
      const meta = JSON.parse(await readFile(metaFile, 'utf8')) as ObjectMeta;
      const body = await stat(bodyFile);
      if (
        typeof meta.key === 'string' &&
        basename(metaFile) === fileName(meta.key) + META &&
        body.size === meta.size
      ) {
        return { meta, mtime: body.mtimeMs };
      }
    } catch {
      // Unreadable or half-written: removed below.
    }
    await unlink(metaFile).catch(() => {});
    await unlink(bodyFile).catch(() => {});
    return undefined;
  }
}

/** An object's file name: its key's SHA-256 in hex (keys are URLs: any length, any character). */
function fileName(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

let tmpCounter = 0;

async function atomicWrite(file: string, data: string | Buffer): Promise<void> {
  const tmp = `${file}.${process.pid}.${++tmpCounter}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, file);
}
