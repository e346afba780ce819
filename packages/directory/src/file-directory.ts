import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Directory, MailboxEntry } from './directory.js';
import { DirectoryUnavailableError } from './errors.js';
import { normalizeUser } from './internal/entry.js';
import { buildFileIndex, type FileIndex } from './internal/file-index.js';
import { parseLdif } from './ldif.js';
import { type FileDirectoryOptions, type ResolvedFileOptions, resolveFileOptions } from './options.js';
import { checkPassword } from './password/verify.js';

/**
 * A directory in an LDIF file, held in memory: the embedded default, with
 * the attributes an LDAP directory would have (mail, uid,
 * mailLocalAddress, mailHost, mailRoutingAddress, userPassword). The file
 * is read once when the directory is made (so a broken file fails start-up)
 * and again on reload(), which keeps the old contents if the new ones do
 * not parse.
 */
export class FileDirectory implements Directory {
  readonly name: string;
  readonly options: ResolvedFileOptions;
  readonly #logger: Logger;
  #index: FileIndex;
  #closed = false;

  constructor(name: string, options: string | FileDirectoryOptions, logger: Logger) {
    this.name = name;
    const resolved = resolveFileOptions(name, options);
    this.options = Object.freeze({ ...resolved, path: resolve(resolved.path) });
    this.#logger = logger;
    this.#index = this.#build(readFileSync(this.options.path, 'utf8'));
  }

  /** Entries that can be looked up. */
  get size(): number {
    return this.#index.entries;
  }

  async lookup(user: string): Promise<MailboxEntry | undefined> {
    if (this.#closed) throw new DirectoryUnavailableError(this.name, 'closed');
    const key = normalizeUser(user);
    const found = key === undefined ? undefined : this.#index.byKey.get(key);
    this.#logger.debug({ user: key, found: !!found, host: found?.entry.host }, 'directory lookup');
    return found?.entry;
  }

  /** Compares with each userPassword value of the entry (see checkPassword for the schemes). */
  async verifyPassword(user: string, password: string): Promise<boolean> {
    if (this.#closed) throw new DirectoryUnavailableError(this.name, 'closed');
    const key = normalizeUser(user);
    const found = key === undefined ? undefined : this.#index.byKey.get(key);
    if (!found || password.length === 0) return false;
    // Every stored value is checked, so timing does not tell which one matched.
    const results = found.passwords.map((stored) => checkPassword(stored, password));
    const ok = results.includes(true);
    this.#logger.debug({ user: found.entry.mailbox, ok }, 'directory password check');
    return ok;
  }

  /** Reads the file again (SIGHUP); on error the old contents stay and the error is thrown. */
  async reload(): Promise<void> {
    const text = await readFile(this.options.path, 'utf8');
    this.#index = this.#build(text);
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #build(text: string): FileIndex {
    const index = buildFileIndex(
      parseLdif(text, this.options.path),
      this.options.lookupAttributes,
      this.options.hostAttribute,
    );
    for (const warning of index.warnings) this.#logger.warn({ file: this.options.path }, warning);
    this.#logger.info({ file: this.options.path, entries: index.entries }, 'directory file loaded');
    return index;
  }
}
