import type { AddressInfo } from 'node:net';
import { createSecureContext } from 'node:tls';
import type { HostPort } from '@lvs7/core';
import { Accounts } from './account/accounts.js';
import { type DeliveredEvent, Deliverer, type DeliveryResult } from './delivery/deliverer.js';
import { DeliveryServer } from './delivery/delivery-server.js';
import { ImapSession } from './imap/imap-session.js';
import { FileMailboxLock, type MailboxLock } from './maildir/mailbox-lock.js';
import { MailboxRegistry } from './maildir/mailbox-registry.js';
import { MessageCache } from './maildir/message-cache.js';
import { TcpListener } from './net/tcp-listener.js';
import type { NodeContext } from './node-context.js';
import { type MailNodeOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { Pop3Session } from './pop3/pop3-session.js';

type Protocol = 'lmtp' | 'smtp' | 'imap' | 'pop3';

/**
 * A mail backend: Maildir on shared storage, users from a Directory, LMTP
 * (and SMTP) delivery, POP3 and IMAP4rev1. Several nodes, in one process or
 * on several machines, can serve the same storage root at once.
 *
 *     const node = new MailNode({ name: 'mail1', root: '/srv/mail', directory, imap: '127.0.0.1:1431', logger });
 *     await node.start();
 */
export class MailNode {
  readonly name: string;
  /** Where each configured server listens, once started. */
  readonly addresses: Partial<Record<Protocol, HostPort>> = {};
  readonly #options: MailNodeOptions;
  readonly #resolved: ResolvedOptions;
  readonly #context: NodeContext;
  readonly #deliverer: Deliverer;
  #servers: Array<{ close(): Promise<void> }> = [];

  constructor(options: MailNodeOptions) {
    this.#resolved = resolveOptions(options);
    this.#options = options;
    this.name = options.name;
    const logger = options.logger.child({ component: 'mailstore', node: options.name });
    const lock: MailboxLock =
      options.lock && 'acquire' in options.lock
        ? options.lock
        : new FileMailboxLock({ owner: options.name, ...(options.lock ?? {}) });
    const registry = new MailboxRegistry({ lock, fsync: options.fsync, pollMs: options.idlePollMs });
    const accounts = new Accounts(options.directory, options);
    this.#deliverer = new Deliverer(options.name, accounts, registry, logger);
    const { tls } = this.#resolved;
    this.#context = {
      name: options.name,
      accounts,
      registry,
      deliverer: this.#deliverer,
      messages: new MessageCache(),
      logger,
      tls: tls ? createSecureContext(tls) : undefined,
      limits: this.#resolved.limits,
    };
  }

  /** Delivered messages: `node.events.on('delivered', …)`. */
  get events(): Pick<Deliverer, 'on' | 'once' | 'off'> {
    return this.#deliverer;
  }

  async start(): Promise<void> {
    const { listeners, tls, limits } = this.#resolved;
    const logger = this.#context.logger;
    try {
      for (const protocol of ['lmtp', 'smtp'] as const) {
        const listen = listeners[protocol];
        if (!listen) continue;
        const server = new DeliveryServer({
          name: this.name,
          lmtp: protocol === 'lmtp',
          host: listen.host,
          port: listen.port,
          deliverer: this.#deliverer,
          logger,
          maxMessageSize: limits.maxMessageSize,
          tls,
        });
        this.#record(protocol, await server.listen());
        this.#servers.push(server);
      }
      const sessions = {
        imap: (socket: import('node:net').Socket) => new ImapSession(socket, this.#context),
        pop3: (socket: import('node:net').Socket) => new Pop3Session(socket, this.#context),
      };
      for (const protocol of ['imap', 'pop3'] as const) {
        const listen = listeners[protocol];
        if (!listen) continue;
        const listener = new TcpListener(listen.host, listen.port, sessions[protocol]);
        this.#record(protocol, await listener.listen());
        this.#servers.push(listener);
      }
    } catch (error) {
      await this.stop();
      throw error;
    }
    logger.info({ root: this.#options.root, addresses: this.addresses }, 'mail node started');
  }

  async stop(): Promise<void> {
    const servers = this.#servers;
    this.#servers = [];
    await Promise.all(servers.map((s) => s.close()));
  }

  /** Delivers a message to a recipient's INBOX, as LMTP would. */
  deliver(recipient: string, message: Buffer | string, from = ''): Promise<DeliveryResult> {
    const data = typeof message === 'string' ? Buffer.from(message) : message;
    return this.#deliverer.deliver(recipient, data, {
      from,
      protocol: 'LMTP',
      id: `api-${Date.now().toString(36)}`,
    });
  }

  #record(protocol: Protocol, address: AddressInfo): void {
    this.addresses[protocol] = { host: address.address, port: address.port };
  }
}

export type { DeliveredEvent };
