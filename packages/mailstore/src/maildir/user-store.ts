import { randomBytes } from 'node:crypto';
import { readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidMailboxNameError, MailboxExistsError, NoSuchMailboxError } from '../errors.js';
import { hasControlCharacter } from '../imap/chars.js';
import type { MailboxHandle, MailboxRegistry } from './mailbox-registry.js';
import { ensureMaildir, scanMaildir } from './maildir.js';
import { parseMaildirName } from './maildir-name.js';

/** The IMAP hierarchy separator; on disk folders are Maildir++ `.A.B` directories. */
export const SEPARATOR = '/';
export const INBOX = 'INBOX';
const SUBSCRIPTIONS_FILE = 'subscriptions';

/**
 * One user's mail: INBOX in the Maildir root, folder `A/B` in `<root>/.A.B`
 * (Dovecot's and Courier's Maildir++ layout), subscriptions in the root.
 */
export class UserStore {
  readonly root: string;
  readonly #registry: MailboxRegistry;

  constructor(root: string, registry: MailboxRegistry) {
    this.root = root;
    this.#registry = registry;
  }

  /** `inbox` in any case is INBOX; other names are case-sensitive. */
  static normalize(name: string): string {
    return name.toUpperCase() === INBOX ? INBOX : name;
  }

  /** The folder's directory; rejects names Maildir++ cannot hold. */
  dirOf(name: string): string {
    const normal = UserStore.normalize(name);
    if (normal === INBOX) return this.root;
    validateName(normal);
    return join(this.root, `.${normal.split(SEPARATOR).join('.')}`);
  }

  async exists(name: string): Promise<boolean> {
    const s = await stat(join(this.dirOf(name), 'cur')).catch(() => undefined);
    return s?.isDirectory() ?? UserStore.normalize(name) === INBOX;
  }

  /** Every folder, INBOX first. */
  async list(): Promise<string[]> {
    const entries = await readdir(this.root, { withFileTypes: true }).catch(() => []);
    const names = entries
      .filter(
        (e) => e.isDirectory() && e.name.startsWith('.') && !e.name.startsWith('..') && e.name.length > 1,
      )
      .map((e) => e.name.slice(1).split('.').join(SEPARATOR))
      .sort();
    return [INBOX, ...names];
  }

  /** Opens a folder for a session or delivery (creating INBOX on first use). */
  async open(name: string): Promise<MailboxHandle> {
    const normal = UserStore.normalize(name);
    const dir = this.dirOf(normal);
    if (normal !== INBOX && !(await this.exists(normal))) throw new NoSuchMailboxError(normal);
    const handle = this.#registry.acquire(normal, dir);
    try {
      if (normal === INBOX) await handle.mailbox.create();
      return handle;
    } catch (error) {
      handle.release();
      throw error;
    }
  }

  async create(name: string): Promise<void> {
    const normal = UserStore.normalize(name.endsWith(SEPARATOR) ? name.slice(0, -1) : name);
    const dir = this.dirOf(normal);
    if (normal === INBOX || (await this.exists(normal))) throw new MailboxExistsError(normal);
    await ensureMaildir(dir);
    await writeFile(join(dir, 'maildirfolder'), '');
    const handle = this.#registry.acquire(normal, dir);
    try {
      await handle.mailbox.create();
    } finally {
      handle.release();
    }
  }

  async delete(name: string): Promise<void> {
    const normal = UserStore.normalize(name);
    if (normal === INBOX) throw new InvalidMailboxNameError(normal, 'INBOX cannot be deleted');
    if (!(await this.exists(normal))) throw new NoSuchMailboxError(normal);
    if ((await this.list()).some((n) => n.startsWith(`${normal}${SEPARATOR}`))) {
      throw new InvalidMailboxNameError(normal, 'it has child mailboxes, delete them first');
    }
    const dir = this.dirOf(normal);
    // Rename first so the folder disappears atomically, then remove at leisure.
    const trash = join(this.root, `..lvs7-deleted.${randomBytes(6).toString('hex')}`);
    await rename(dir, trash);
    this.#registry.forget(dir);
    await rm(trash, { recursive: true, force: true });
  }

  /** Renames a folder and its children. */
  async rename(from: string, to: string): Promise<void> {
    const source = UserStore.normalize(from);
    const target = UserStore.normalize(to);
    if (source === INBOX) throw new InvalidMailboxNameError(source, 'renaming INBOX is not supported');
    if (target === INBOX || (await this.exists(target))) throw new MailboxExistsError(target);
    if (!(await this.exists(source))) throw new NoSuchMailboxError(source);
    const moves = (await this.list())
      .filter((n) => n === source || n.startsWith(`${source}${SEPARATOR}`))
      .map((n) => [n, `${target}${n.slice(source.length)}`] as const);
    for (const [, newName] of moves) this.dirOf(newName); // validate all first
    for (const [oldName, newName] of moves) {
      await rename(this.dirOf(oldName), this.dirOf(newName));
      this.#registry.forget(this.dirOf(oldName));
    }
  }

  async subscriptions(): Promise<string[]> {
    const text = await readFile(join(this.root, SUBSCRIPTIONS_FILE), 'utf8').catch(() => '');
    return parseSubscriptions(text);
  }

  async subscribe(name: string, subscribed: boolean): Promise<void> {
    const normal = UserStore.normalize(name);
    this.dirOf(normal);
    const current = new Set(await this.subscriptions());
    if (subscribed) current.add(normal);
    else current.delete(normal);
    const tmp = join(this.root, `${SUBSCRIPTIONS_FILE}.${randomBytes(6).toString('hex')}.tmp`);
    await ensureMaildir(this.root);
    await writeFile(tmp, serializeSubscriptions([...current]));
    await rename(tmp, join(this.root, SUBSCRIPTIONS_FILE));
  }

  /** Bytes and messages in every folder (sizes from the S= in file names), for quota. */
  async usage(): Promise<{ bytes: number; messages: number }> {
    let bytes = 0;
    let messages = 0;
    for (const name of await this.list()) {
      const dir = this.dirOf(name);
      for (const [, file] of await scanMaildir(dir)) {
        messages++;
        const size = parseMaildirName(file.filename).size;
        bytes += size ?? (await stat(join(dir, file.sub, file.filename)).catch(() => ({ size: 0 }))).size;
      }
    }
    return { bytes, messages };
  }
}

function validateName(name: string): void {
  if (name.length === 0) throw new InvalidMailboxNameError(name, 'empty name');
  if (name.length > 255) throw new InvalidMailboxNameError(name, 'name too long');
  if (hasControlCharacter(name) || name.includes('*') || name.includes('%'))
    throw new InvalidMailboxNameError(name, 'control or wildcard character');
  for (const part of name.split(SEPARATOR)) {
    if (part === '') throw new InvalidMailboxNameError(name, 'empty hierarchy level');
    if (part.includes('.')) throw new InvalidMailboxNameError(name, '"." is not allowed (Maildir++ uses it)');
    if (part === '..' || part.startsWith('~')) throw new InvalidMailboxNameError(name, 'not allowed');
  }
}

/**
 * Dovecot 2.3 writes `V\t2` and a blank line, then one name per line with the
 * hierarchy separator as a tab; older files list the names as they are.
 */
export function parseSubscriptions(text: string): string[] {
  const lines = text.split('\n');
  let start = 0;
  let tabs = false;
  if (/^V\t\d+$/.test(lines[0] ?? '')) {
    tabs = true;
    start = lines.indexOf('', 1) + 1 || lines.length;
  }
  return lines
    .slice(start)
    .filter((l) => l.trim() !== '')
    .map((l) => UserStore.normalize(tabs ? l.split('\t').join(SEPARATOR) : l));
}

export function serializeSubscriptions(names: readonly string[]): string {
  return `V\t2\n\n${names.map((n) => `${n.split(SEPARATOR).join('\t')}\n`).join('')}`;
}
