import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import type { Account } from '../account/accounts.js';
import { asMailstoreError, MAILSTORE_ERRORS } from '../errors.js';
import type { MailboxHandle } from '../maildir/mailbox-registry.js';
import { INBOX, UserStore } from '../maildir/user-store.js';
import { LineReader, LineTooLongError } from '../net/line-reader.js';
import type { Session } from '../net/tcp-listener.js';
import type { NodeContext } from '../node-context.js';
import { POP3_COMMANDS } from './pop3-commands.js';
import { type Pop3Message, Pop3State } from './pop3-state.js';

export { type Pop3Message, Pop3State };

let nextId = 1;

/**
 * One POP3 connection (RFC 1939 + CAPA, UIDL, TOP, STLS, AUTH PLAIN): the
 * state machine and the maildrop snapshot; commands live in pop3-commands.
 */
export class Pop3Session implements Session {
  readonly context: NodeContext;
  readonly logger: Logger;
  readonly reader: LineReader;
  state = Pop3State.Authorization;
  socket: Socket;
  secure = false;
  /** USER given, waiting for PASS. */
  pendingUser: string | undefined;
  authFailures = 0;
  account: Account | undefined;
  handle: MailboxHandle | undefined;
  messages: Pop3Message[] = [];
  uidValidity = 0;
  #badCommands = 0;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(socket: Socket, context: NodeContext) {
    this.socket = socket;
    this.context = context;
    this.logger = context.logger.child({ listener: 'pop3', cid: nextId++ });
    this.reader = new LineReader(socket, Math.min(context.limits.maxLineLength, 8192));
    socket.once('close', () => this.#cleanup());
    void this.#run();
  }

  get tlsAvailable(): boolean {
    return this.context.tls !== undefined && !this.secure;
  }

  send(line: string): void {
    if (!this.socket.destroyed) this.socket.write(`${line}\r\n`);
  }

  ok(text = ''): void {
    this.send(text ? `+OK ${text}` : '+OK');
  }

  err(text: string, code?: string): void {
    this.send(code ? `-ERR [${code}] ${text}` : `-ERR ${text}`);
  }

  /** An error as a -ERR with the RFC 3206 code from the error table. */
  fail(error: unknown): void {
    const failure = asMailstoreError(error);
    const text = failure.code === 'LVS7_MAILSTORE_AUTH_FAILED' ? 'Authentication failed.' : failure.message;
    this.err(text, MAILSTORE_ERRORS[failure.code].pop3);
  }

  shutdown(): void {
    this.send('-ERR Server shutting down.');
    this.close();
  }

  close(): void {
    this.#closed = true;
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  /** Opens the maildrop after a successful login: a fixed list for the whole session. */
  async login(account: Account): Promise<void> {
    const handle = await new UserStore(account.dir, this.context.registry).open(INBOX);
    try {
      const state = await handle.mailbox.sync();
      this.messages = [];
      for (const entry of state.messages) {
        const size =
          entry.crlfSize ?? (await this.context.messages.load(handle.mailbox, entry.uid))?.data.length ?? 0;
        this.messages.push({ uid: entry.uid, size, deleted: false });
      }
      this.uidValidity = state.uidValidity;
    } catch (error) {
      handle.release();
      throw error;
    }
    this.handle = handle;
    this.account = account;
    this.state = Pop3State.Transaction;
    this.logger.info({ user: account.address, messages: this.messages.length }, 'login');
  }

  /** The message `arg` names (1-based, not deleted), or undefined after an -ERR was sent. */
  message(arg: string | undefined): Pop3Message | undefined {
    const n = Number(arg);
    const message = Number.isInteger(n) && n > 0 ? this.messages[n - 1] : undefined;
    if (!message || message.deleted) {
      this.err(message ? 'Message is deleted.' : 'There is no such message.');
      return undefined;
    }
    return message;
  }

  load(uid: number) {
    return this.context.messages.load(this.handle!.mailbox, uid);
  }

  /** STLS: from here on the session reads and writes through TLS. */
  startTls(): void {
    this.reader.detach();
    // Anything pipelined after STLS was sent in the clear: drop it.
    this.reader.discardBuffered();
    const tls = new TLSSocket(this.socket, { isServer: true, secureContext: this.context.tls! });
    tls.on('error', () => tls.destroy());
    tls.once('close', () => this.#cleanup());
    this.socket = tls;
    this.secure = true;
    this.reader.attach(tls);
  }

  async #run(): Promise<void> {
    this.ok(`${this.context.name} POP3 ready.`);
    try {
      while (!this.#closed) {
        this.#arm();
        const line = await this.reader.readLine();
        if (line === null) break;
        await this.#dispatch(line);
      }
    } catch (error) {
      if (error instanceof LineTooLongError) this.err('Line too long.');
      else this.logger.warn({ err: (error as Error).message }, 'session failed');
    }
    this.close();
  }

  async #dispatch(line: string): Promise<void> {
    const space = line.indexOf(' ');
    const verb = (space < 0 ? line : line.slice(0, space)).toUpperCase();
    const args =
      space < 0
        ? []
        : line
            .slice(space + 1)
            .split(' ')
            .filter(Boolean);
    const command = POP3_COMMANDS[verb];
    if (!command?.states.includes(this.state)) {
      this.err(command ? `${verb} not allowed now.` : 'Unknown command.');
      if (++this.#badCommands >= this.context.limits.maxBadCommands) {
        this.err('Too many bad commands.');
        this.close();
      }
      return;
    }
    try {
      await command.handle(this, args, space < 0 ? '' : line.slice(space + 1));
    } catch (error) {
      this.fail(error);
    }
  }

  #arm(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.err('Disconnected for inactivity.');
      this.close();
    }, this.context.limits.pop3TimeoutMs);
    this.#timer.unref();
  }

  #cleanup(): void {
    clearTimeout(this.#timer);
    this.#closed = true;
    this.handle?.release();
    this.handle = undefined;
  }
}
