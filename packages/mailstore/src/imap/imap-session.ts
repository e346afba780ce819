import { once } from 'node:events';
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import type { Account } from '../account/accounts.js';
import { asMailstoreError, MAILSTORE_ERRORS, MailstoreError } from '../errors.js';
import { UserStore } from '../maildir/user-store.js';
import { LineReader, LineTooLongError } from '../net/line-reader.js';
import type { Session } from '../net/tcp-listener.js';
import type { NodeContext } from '../node-context.js';
import { capabilities } from './capabilities.js';
import { COMMANDS } from './commands/index.js';
import { type FramedCommand, readImapCommand } from './framer.js';
import { type CommandContext, ImapState, type TaggedReply } from './imap-state.js';
import { Args, ImapSyntaxError, parseCommand } from './parser.js';

export { type CommandContext, ImapState, type TaggedReply };

import { BadCharsetError, SUPPORTED_CHARSETS } from './search/search-parser.js';
import type { SelectedMailbox } from './selected.js';

/** Literal size allowed before login (a LOGIN password), in bytes. */
const PRE_AUTH_LITERAL = 8 * 1024;
let nextId = 1;

/**
 * One IMAP connection: the state machine, guards (state, limits) before
 * dispatch, untagged updates after each command, STARTTLS. Commands are in
 * commands/, one per file; every failure becomes a tagged NO or BAD.
 */
export class ImapSession implements Session {
  readonly context: NodeContext;
  readonly logger: Logger;
  readonly reader: LineReader;
  socket: Socket;
  state = ImapState.NotAuthenticated;
  secure = false;
  account: Account | undefined;
  store: UserStore | undefined;
  selected: SelectedMailbox | undefined;
  authFailures = 0;
  /** The timer of the command in progress is off while IDLE runs its own. */
  idling = false;
  /** Set by a command: after its tagged reply, say BYE with this text and close. */
  closeAfterReply: string | undefined;
  #badCommands = 0;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #pendingBytes = 0;

  constructor(socket: Socket, context: NodeContext) {
    this.socket = socket;
    this.context = context;
    this.logger = context.logger.child({ listener: 'imap', cid: nextId++ });
    this.reader = new LineReader(socket, context.limits.maxLineLength);
    socket.once('close', () => this.#cleanup());
    void this.#run();
  }

  get closed(): boolean {
    return this.#closed;
  }

  capabilities(): string {
    return capabilities(this);
  }

  send(line: string): void {
    this.write(`${line}\r\n`);
  }

  write(data: string | Buffer): void {
    if (this.socket.destroyed) return;
    this.#pendingBytes += data.length;
    this.socket.write(data);
  }

  /** Sends what is queued now (responses are corked per command), e.g. a continuation. */
  push(): void {
    this.#pendingBytes = 0;
    this.socket.uncork();
    this.socket.cork();
  }

  /** True when enough is queued that the command should flush() (large FETCH responses). */
  get needsFlush(): boolean {
    return this.#pendingBytes >= 256 * 1024;
  }

  /** Pushes what is queued and waits for the socket to drain. */
  async flush(): Promise<void> {
    this.push();
    if (!this.socket.writableNeedDrain || this.socket.destroyed) return;
    const abort = new AbortController();
    const { signal } = abort;
    // Both waits end (and drop their listeners) once either happened.
    const drained = once(this.socket, 'drain', { signal }).catch(() => {});
    const closed = once(this.socket, 'close', { signal }).catch(() => {});
    await Promise.race([drained, closed]);
    abort.abort();
  }

  /** After LOGIN/AUTHENTICATE succeeded. */
  authenticated(account: Account): void {
    this.account = account;
    this.store = new UserStore(account.dir, this.context.registry);
    this.state = ImapState.Authenticated;
    this.logger.info({ user: account.address }, 'login');
  }

  /** Leaves the selected mailbox (CLOSE, UNSELECT, a new SELECT). */
  deselect(): void {
    this.selected?.close();
    this.selected = undefined;
    if (this.state === ImapState.Selected) this.state = ImapState.Authenticated;
  }

  /** STARTTLS: from here on the session reads and writes through TLS. */
  startTls(): void {
    this.reader.detach();
    this.reader.discardBuffered(); // plaintext pipelined after STARTTLS must not count as protected
    const tls = new TLSSocket(this.socket, { isServer: true, secureContext: this.context.tls! });
    tls.on('error', () => tls.destroy());
    tls.once('close', () => this.#cleanup());
    this.socket = tls;
    this.secure = true;
    this.reader.attach(tls);
  }

  shutdown(): void {
    this.send('* BYE Server shutting down.');
    this.close();
  }

  close(): void {
    this.#closed = true;
    this.state = ImapState.Logout;
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  async #run(): Promise<void> {
    this.send(`* OK [CAPABILITY ${this.capabilities()}] ${this.context.name} IMAP4rev1 ready.`);
    try {
      while (!this.#closed) {
        this.#arm();
        const framed = await readImapCommand(
          this.reader,
          (size, nonSync, text) => this.#literalGate(size, nonSync, text),
          () => this.send('+ OK'),
        );
        if (framed === null) break;
        await this.#handle(framed);
      }
    } catch (error) {
      if (error instanceof LineTooLongError) this.send('* BYE Line too long.');
      else this.logger.warn({ err: (error as Error).message }, 'session failed');
    }
    this.close();
  }

  #literalGate(size: number, nonSync: boolean, text: string): string | undefined {
    const append = /^\S+ +APPEND /i.test(text);
    const limit =
      this.state === ImapState.NotAuthenticated
        ? PRE_AUTH_LITERAL
        : append
          ? this.context.limits.maxLiteralSize
          : this.context.limits.maxLineLength;
    if (size <= limit) return undefined;
    return nonSync ? `Literal too large (${size} bytes).` : `Literal too large (limit ${limit} bytes).`;
  }

  async #handle(framed: FramedCommand): Promise<void> {
    if (framed.kind === 'fatal') {
      this.send(`* BYE ${framed.reason}`);
      this.close();
      return;
    }
    let tag: string | undefined;
    try {
      const parsed = parseCommand(framed.segments);
      tag = parsed.tag;
      if (framed.kind === 'refused') {
        this.send(`${tag} NO [TOOBIG] ${framed.reason}`);
        return;
      }
      await this.#dispatch(parsed.tag, parsed.name, new Args(parsed.args, parsed.name));
    } catch (error) {
      if (!(error instanceof ImapSyntaxError)) throw error;
      this.send(`${error.tag ?? tag ?? '*'} BAD ${error.message}`);
      this.#countBad();
    }
  }

  async #dispatch(tag: string, name: string, args: Args): Promise<void> {
    const command = COMMANDS.get(name);
    if (!command) {
      this.send(`${tag} BAD Error in IMAP command ${name.slice(0, 30)}: Unknown command.`);
      this.#countBad();
      return;
    }
    if (!command.states.includes(this.state)) {
      const why = this.state === ImapState.NotAuthenticated ? 'Not logged in' : 'No mailbox selected';
      this.send(
        `${tag} BAD Error in IMAP command ${name}: ${this.state === ImapState.Selected ? 'Not allowed now' : why}.`,
      );
      return;
    }
    const uid = name.startsWith('UID ');
    this.socket.cork();
    let reply: TaggedReply | null;
    try {
      reply = await command.handle({ session: this, tag, name, args, uid });
    } catch (error) {
      reply = this.#replyFor(error, name);
    }
    if (reply === null) {
      // The command answered itself (LOGOUT, STARTTLS, IDLE).
      this.socket.uncork();
      return;
    }
    if (this.selected && command.notify !== false && !this.#closed) {
      await this.selected
        .notify((line) => this.send(line), command.allowExpunge !== false || uid, uid)
        .catch(() => {});
    }
    const code = reply.code ? `[${reply.code}] ` : '';
    this.send(`${tag} ${reply.status} ${code}${reply.text}`);
    if (this.closeAfterReply !== undefined) {
      this.send(`* BYE ${this.closeAfterReply}`);
      this.close();
    }
    this.socket.uncork();
    if (reply.status === 'BAD') this.#countBad();
  }

  #replyFor(error: unknown, name: string): TaggedReply {
    if (error instanceof ImapSyntaxError) return { status: 'BAD', text: error.message };
    if (error instanceof BadCharsetError) {
      return {
        status: 'NO',
        code: `BADCHARSET (${SUPPORTED_CHARSETS.join(' ')})`,
        text: 'Unsupported charset.',
      };
    }
    const failure = asMailstoreError(error);
    if (!(error instanceof MailstoreError))
      this.logger.error({ err: error, command: name }, 'command failed');
    const [status, code] = MAILSTORE_ERRORS[failure.code].imap;
    const text = failure.code === 'LVS7_MAILSTORE_AUTH_FAILED' ? 'Authentication failed.' : failure.message;
    return { status: status as 'NO', code, text };
  }

  #countBad(): void {
    if (++this.#badCommands < this.context.limits.maxBadCommands) return;
    this.send('* BYE Too many invalid commands.');
    this.close();
  }

  #arm(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      if (this.idling) return;
      this.send('* BYE Disconnected for inactivity.');
      this.close();
    }, this.context.limits.imapTimeoutMs);
    this.#timer.unref();
  }

  #cleanup(): void {
    clearTimeout(this.#timer);
    this.#closed = true;
    this.selected?.close();
    this.selected = undefined;
  }
}
