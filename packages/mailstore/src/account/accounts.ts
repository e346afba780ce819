import { isAbsolute, join, resolve } from 'node:path';
import type { Directory, MailboxEntry } from '@lvs7/directory';
import {
  AccountDisabledError,
  AuthenticationFailedError,
  asMailstoreError,
  InvalidMailNodeOptionError,
  NoSuchUserError,
} from '../errors.js';

export interface AccountOptions {
  /** The shared storage root. */
  readonly root: string;
  /**
   * Where a mailbox lives when its entry names no store: `{root}`, `{mailbox}`
   * (the canonical address), `{local}`, `{domain}`, `{uid}`. Default `{root}/{domain}/{local}`.
   */
  readonly mailboxTemplate?: string | undefined;
  /** Entry attribute with the Maildir path (relative to root, or absolute). Default `mailMessageStore`. */
  readonly storeAttribute?: string | undefined;
  /** Entry attribute with the quota in bytes. Default `mailQuotaSize`. */
  readonly quotaAttribute?: string | undefined;
  /** Entry attribute with the account status. Default `accountStatus`. */
  readonly statusAttribute?: string | undefined;
  /** Status values that refuse login and delivery (case-insensitive). Default disabled, deleted, noaccess. */
  readonly disabledStatuses?: readonly string[] | undefined;
  /** Wait before answering a failed login (slows guessing). Default 1000 ms. */
  readonly authFailureDelayMs?: number | undefined;
}

/** A user as the mail node needs them. */
export interface Account {
  /** The canonical mailbox address from the directory. */
  readonly address: string;
  /** The user's Maildir (INBOX). */
  readonly dir: string;
  readonly quotaBytes: number | undefined;
  readonly disabled: boolean;
  readonly entry: MailboxEntry;
}

/**
 * Users from the Directory: where their Maildir is, their quota and whether
 * the account is enabled; password checks with a failure delay. Directory
 * failures become temporary errors (DirectoryFailedError), unknown users
 * permanent ones.
 */
export class Accounts {
  readonly #directory: Directory;
  readonly #root: string;
  readonly #template: string;
  readonly #store: string;
  readonly #quota: string;
  readonly #status: string;
  readonly #disabled: Set<string>;
  readonly #delayMs: number;

  constructor(directory: Directory, options: AccountOptions) {
    this.#directory = directory;
    this.#root = resolve(options.root);
    this.#template = options.mailboxTemplate ?? '{root}/{domain}/{local}';
    if (!this.#template.includes('{')) {
      throw new InvalidMailNodeOptionError(['mailboxTemplate: must contain a placeholder such as {local}']);
    }
    this.#store = (options.storeAttribute ?? 'mailMessageStore').toLowerCase();
    this.#quota = (options.quotaAttribute ?? 'mailQuotaSize').toLowerCase();
    this.#status = (options.statusAttribute ?? 'accountStatus').toLowerCase();
    this.#disabled = new Set(
      (options.disabledStatuses ?? ['disabled', 'deleted', 'noaccess']).map((s) => s.toLowerCase()),
    );
    this.#delayMs = options.authFailureDelayMs ?? 1000;
  }

  /** The account for a login name or address; rejects for unknown users and directory failures. */
  async resolve(user: string): Promise<Account> {
    let entry: MailboxEntry | undefined;
    try {
      entry = await this.#directory.lookup(user);
    } catch (error) {
      throw asMailstoreError(error);
    }
    if (!entry) throw new NoSuchUserError(user);
    return this.#account(entry);
  }

  /** Checks the password, then the account status; a failure answers after the delay. */
  async authenticate(user: string, password: string): Promise<Account> {
    let ok: boolean;
    try {
      ok = user !== '' && password !== '' && (await this.#directory.verifyPassword(user, password));
    } catch (error) {
      throw asMailstoreError(error);
    }
    if (!ok) {
      await new Promise((r) => setTimeout(r, this.#delayMs));
      throw new AuthenticationFailedError();
    }
    const account = await this.resolve(user).catch(async (error) => {
      if (error instanceof NoSuchUserError) await new Promise((r) => setTimeout(r, this.#delayMs));
      throw error;
    });
    if (account.disabled) throw new AccountDisabledError(account.address);
    return account;
  }

  #account(entry: MailboxEntry): Account {
    const attr = (name: string) => entry.attributes[name]?.[0];
    const address = entry.mailbox.toLowerCase();
    const status = attr(this.#status)?.trim().toLowerCase();
    const quota = Number(attr(this.#quota));
    return {
      address,
      dir: this.#dirOf(entry, address),
      quotaBytes: Number.isFinite(quota) && quota > 0 ? quota : undefined,
      disabled: status !== undefined && this.#disabled.has(status),
      entry,
    };
  }

  #dirOf(entry: MailboxEntry, address: string): string {
    const store = entry.attributes[this.#store]?.[0];
    if (store) return isAbsolute(store) ? resolve(store) : this.#inside(join(this.#root, store), store);
    const at = address.lastIndexOf('@');
    const values: Record<string, string> = {
      root: this.#root,
      mailbox: address,
      local: at < 0 ? address : address.slice(0, at),
      domain: at < 0 ? '' : address.slice(at + 1),
      uid: (entry.uid ?? address).toLowerCase(),
    };
    const path = this.#template.replace(/\{(\w+)\}/g, (whole, key: string) => {
      const value = values[key];
      if (value === undefined) return whole;
      // A value may not climb out of its place in the template.
      return key === 'root' ? value : value.replace(/[/\\\0]/g, '_').replace(/^\.+/, '_');
    });
    return resolve(path);
  }

  #inside(path: string, raw: string): string {
    const full = resolve(path);
    if (!full.startsWith(`${this.#root}/`)) throw new NoSuchUserError(`(store "${raw}" is outside the root)`);
    return full;
  }
}
