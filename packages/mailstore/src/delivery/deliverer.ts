import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { Account, Accounts } from '../account/accounts.js';
import { AccountDisabledError, asMailstoreError, QuotaExceededError } from '../errors.js';
import type { MailboxRegistry } from '../maildir/mailbox-registry.js';
import { INBOX, UserStore } from '../maildir/user-store.js';
import { rfc5322Date } from './dates.js';

export interface DeliveryEnvelope {
  /** MAIL FROM ('' for the null sender). */
  readonly from: string;
  readonly helo?: string | undefined;
  readonly remoteAddress?: string | undefined;
  readonly protocol: 'LMTP' | 'ESMTP' | 'SMTP';
  /** Transaction id, shown in Received. */
  readonly id: string;
}

export interface DeliveryResult {
  readonly account: Account;
  readonly uid: number;
  readonly uidValidity: number;
}

export interface DeliveredEvent {
  readonly recipient: string;
  readonly address: string;
  readonly uid: number;
  readonly size: number;
}

/**
 * Delivery to INBOX: the recipient must exist and be enabled, the message
 * must fit the quota; the stored copy starts with Return-Path, Delivered-To
 * and Received. Shared by LMTP, SMTP and the MailNode API.
 */
export class Deliverer extends EventEmitter<{ delivered: [DeliveredEvent] }> {
  readonly #name: string;
  readonly #accounts: Accounts;
  readonly #registry: MailboxRegistry;
  readonly #logger: Logger;

  constructor(name: string, accounts: Accounts, registry: MailboxRegistry, logger: Logger) {
    super();
    this.#name = name;
    this.#accounts = accounts;
    this.#registry = registry;
    this.#logger = logger;
  }

  /** RCPT-time checks; `size` is the declared SIZE when the client sent one. */
  async check(recipient: string, size?: number): Promise<Account> {
    const account = await this.#accounts.resolve(recipient);
    if (account.disabled) throw new AccountDisabledError(account.address);
    if (size !== undefined) await this.#checkQuota(account, size);
    return account;
  }

  async deliver(
    recipient: string,
    message: Buffer,
    envelope: DeliveryEnvelope,
    known?: Account,
  ): Promise<DeliveryResult> {
    try {
      const account = known ?? (await this.check(recipient));
      const trace = Buffer.from(this.#traceHeaders(recipient, envelope), 'utf8');
      const data = Buffer.concat([trace, message]);
      await this.#checkQuota(account, data.length);
      const store = new UserStore(account.dir, this.#registry);
      const handle = await store.open(INBOX);
      try {
        const { uid, uidValidity } = await handle.mailbox.append(data);
        this.#logger.info(
          { rcpt: recipient, mailbox: account.address, uid, size: data.length, id: envelope.id },
          'delivered',
        );
        this.emit('delivered', { recipient, address: account.address, uid, size: data.length });
        return { account, uid, uidValidity };
      } finally {
        handle.release();
      }
    } catch (error) {
      const failure = asMailstoreError(error);
      this.#logger.info(
        { rcpt: recipient, id: envelope.id, code: failure.code, err: failure.message },
        'delivery refused',
      );
      throw failure;
    }
  }

  async #checkQuota(account: Account, size: number): Promise<void> {
    if (account.quotaBytes === undefined) return;
    const { bytes } = await new UserStore(account.dir, this.#registry).usage();
    if (bytes + size > account.quotaBytes)
      throw new QuotaExceededError(account.address, bytes, account.quotaBytes);
  }

  #traceHeaders(recipient: string, envelope: DeliveryEnvelope): string {
    const clean = (s: string) => s.replace(/[\r\n<>]/g, '');
    const from = envelope.remoteAddress
      ? `from ${clean(envelope.helo ?? 'unknown')} ([${clean(envelope.remoteAddress)}])\r\n\t`
      : '';
    return (
      `Return-Path: <${clean(envelope.from)}>\r\n` +
      `Delivered-To: ${clean(recipient)}\r\n` +
      `Received: ${from}by ${this.#name} (lvs7) with ${envelope.protocol} id ${clean(envelope.id)}\r\n` +
      `\tfor <${clean(recipient)}>; ${rfc5322Date(new Date())}\r\n`
    );
  }
}
