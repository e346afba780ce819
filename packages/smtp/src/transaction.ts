import type { Server } from '@lvs7/core';
import type { PathArgument } from './address.js';
import type { BackendConnection } from './backend/backend-connection.js';
import { mailCommand, xforwardCommand } from './backend/client-info.js';
import { type BackendIntroduction, openBackend } from './backend/open-backend.js';
import { finalVerdict, outcomeOf } from './backend/verdict.js';
import { BackendError, SmtpError } from './errors.js';
import { isPositive, reply, type SmtpReply } from './reply.js';
import { type BackendRoute, fitsRoute, placeRoute, type RecipientRoute } from './routing/recipient-router.js';
import type { SmtpMessageRecord } from './server/access-log.js';
import type { MessageOutcome, SmtpStats } from './stats.js';

export interface TransactionContext extends BackendIntroduction {
  readonly maxMessageSize: number;
  readonly stats: SmtpStats;
  /** Told of each finished message (the session's access log). */
  readonly onMessage?: ((record: Omit<SmtpMessageRecord, 'session'>) => void) | undefined;
}

/**
 * envelope → (data-ready: the backend already said 354 to a pipelined DATA)
 * → data → verdict (final dot sent) → done; failed / too-big: mid-message.
 */
type Phase = 'envelope' | 'data-ready' | 'data' | 'verdict' | 'failed' | 'too-big' | 'done';

/**
 * One mail transaction (MAIL … final dot) and its backend. The first
 * accepted recipient binds the transaction to one server of one pool; a
 * recipient that belongs elsewhere gets 452 4.5.3 and comes back in the
 * client's next transaction (RFC 5321 §4.5.3.1.10). Every RCPT is asked of
 * the backend before the client is answered, and the message streams to it
 * as it arrives; the client's final dot gets the backend's own verdict.
 */
export class Transaction {
  readonly sender: PathArgument;
  /** Recipients the backend accepted (as sent to it). */
  readonly recipients: string[] = [];
  readonly #ctx: TransactionContext;
  #route: BackendRoute | undefined;
  #server: Server | undefined;
  #conn: BackendConnection | undefined;
  #phase: Phase = 'envelope';
  #bytes = 0;
  /** Whoever waits for the backend to take more message bytes (the paused client). */
  readonly #drainWaiters: (() => void)[] = [];
  /** The backend's reply to a DATA sent along with the last RCPT. */
  #dataReply: SmtpReply | undefined;
  /** Kept after the transaction ends, for its stats. */
  #poolName: string | null = null;
  #serverName: string | null = null;

  constructor(sender: PathArgument, ctx: TransactionContext) {
    this.sender = sender;
    this.#ctx = ctx;
  }

  get server(): Server | undefined {
    return this.#server;
  }

  /**
   * The backend's answer to this recipient; throws SmtpError / BackendError
   * for our own refusals. `dataFollows`: the client pipelined DATA right
   * after this RCPT, so DATA goes to the backend in the same write.
   */
  async addRecipient(target: RecipientRoute, dataFollows = false): Promise<SmtpReply> {
    if (this.#phase === 'data-ready') throw new SmtpError('LVS7_SMTP_BAD_SEQUENCE');
    // An alias of a mailbox already in this transaction: the mailbox gets the message once.
    if (this.recipients.includes(target.forwardPath.toLowerCase())) return reply(250, '2.1.5', 'Ok');
    if (this.#conn === undefined) return this.#bind(target, dataFollows);
    if (target.route !== this.#route || !fitsRoute(target, this.#server!, this.#ctx.client.address)) {
      throw new SmtpError('LVS7_SMTP_OTHER_BACKEND');
    }
    return this.#recipients(this.#conn, [], target, dataFollows);
  }

  /** Sends DATA (unless it went with the last RCPT); resolves with the backend's 354, or its refusal (the transaction then ends). */
  async openData(): Promise<SmtpReply> {
    const conn = this.#conn;
    if (conn === undefined || this.recipients.length === 0) throw new SmtpError('LVS7_SMTP_NO_RECIPIENTS');
    if (conn.broken) {
      this.#end(false);
      throw new SmtpError('LVS7_SMTP_BACKEND_FAILED');
    }
    const early = this.#dataReply;
    this.#dataReply = undefined;
    const [r] =
      early !== undefined
        ? [early]
        : await conn.send(['DATA']).catch((error: unknown) => {
            this.#end(false);
            throw error;
          });
    if (r!.code !== 354) {
      this.#end(true, true);
      return r!;
    }
    this.#phase = 'data';
    return r!;
  }

  /** Message bytes (dot-stuffed, as received); false when the backend wants us to wait (see onDrain). */
  write(chunk: Buffer): boolean {
    if (this.#phase !== 'data') return true;
    this.#bytes += chunk.length;
    if (this.#bytes > this.#ctx.maxMessageSize + 5) {
      // Cut the backend off before the final dot: it never delivers a partial message.
      this.#phase = 'too-big';
      this.#drained();
      this.#conn!.destroy();
      return true;
    }
    return this.#conn!.write(chunk);
  }

  /** Calls back once the backend took what was written, or once it is gone (the rest is then discarded). */
  onDrain(callback: () => void): void {
    const conn = this.#conn;
    if (conn === undefined || this.#phase !== 'data') {
      callback();
      return;
    }
    this.#drainWaiters.push(callback);
    conn.onDrain(() => this.#drained());
  }

  /** Writes the last bytes (ending with CRLF.CRLF) and resolves with the client's verdict; throws for our refusals. */
  async endData(last: Buffer): Promise<SmtpReply> {
    this.write(last);
    const phase = this.#phase;
    if (phase !== 'data') {
      this.#end(false);
      this.#record(phase === 'too-big' ? 'too-big' : 'backend-failed', phase === 'too-big' ? 552 : 451, 0);
      throw new SmtpError(phase === 'too-big' ? 'LVS7_SMTP_MESSAGE_TOO_BIG' : 'LVS7_SMTP_BACKEND_FAILED');
    }
    const conn = this.#conn!;
    const started = performance.now();
    const count = conn.protocol === 'lmtp' ? this.recipients.length : 1;
    this.#phase = 'verdict';
    let replies: SmtpReply[];
    try {
      replies = await conn.expectReplies(count, this.#route!.backend.dataReplyTimeout);
    } catch (error) {
      this.#end(false);
      this.#record('backend-failed', 451, performance.now() - started);
      throw new SmtpError('LVS7_SMTP_BACKEND_FAILED', undefined, { cause: error });
    }
    const verdict = finalVerdict(conn.protocol, replies);
    this.#end(true);
    this.#record(outcomeOf(verdict), verdict.code, performance.now() - started);
    return verdict;
  }

  /** Ends the transaction without a message (RSET, a new EHLO, QUIT, a lost client). */
  abort(): void {
    // The final dot is out: the backend's verdict ends the transaction (and frees the connection) on its own.
    if (this.#phase === 'verdict') return;
    if (this.#phase === 'data-ready') {
      // The backend waits for a message: only closing the connection ends that.
      this.#end(false);
    } else if (this.#phase === 'data' || this.#phase === 'failed' || this.#phase === 'too-big') {
      this.#record('aborted', 0, 0);
      this.#end(false);
    } else {
      this.#end(true, true);
    }
  }

  async #bind(target: RecipientRoute, dataFollows: boolean): Promise<SmtpReply> {
    const { pool, backend } = target.route;
    const exclude = new Set<Server>();
    let lastError: unknown;
    for (let attempt = 0; attempt < backend.maxAttempts; attempt++) {
      const placed = placeRoute(target, { clientAddress: this.#ctx.client.address, exclude });
      const server = placed?.server;
      if (server === undefined) break;
      try {
        this.#conn = await openBackend(server, target.route, this.#ctx);
      } catch (error) {
        if (!(error instanceof BackendError)) throw error;
        lastError = error;
        exclude.add(server);
        this.#ctx.stats.backend(pool.name, server.name).failures++;
        this.#ctx.logger?.warn({ server: server.name, err: error.message }, 'smtp backend unavailable');
        // A pinned mailbox never goes elsewhere.
        if (placed!.pinned) break;
        continue;
      }
      this.#route = target.route;
      this.#server = server;
      this.#poolName = pool.name;
      this.#serverName = server.name;
      pool.sessionStarted(server);
      this.#conn.onBroken = () => this.#onBroken();
      return this.#envelope(target, dataFollows);
    }
    throw new SmtpError(
      'LVS7_SMTP_NO_SERVER',
      undefined,
      lastError === undefined ? undefined : { cause: lastError },
    );
  }

  /** MAIL (after XFORWARD, when used) and the first RCPT, pipelined when the backend allows. */
  async #envelope(target: RecipientRoute, dataFollows: boolean): Promise<SmtpReply> {
    const conn = this.#conn!;
    const before: string[] = [];
    const xforward = xforwardCommand(
      this.#route!.backend.clientInfo,
      conn.firstCapabilities,
      this.#ctx.client,
    );
    if (xforward !== undefined) {
      // The backend's verdict on XFORWARD does not matter: it only adds trace information.
      if (conn.supportsPipelining) before.push(xforward);
      else await conn.send([xforward]).catch(() => []);
    }
    before.push(mailCommand(this.sender, conn.capabilities));
    return this.#recipients(conn, before, target, dataFollows);
  }

  /**
   * Sends `before` (XFORWARD, MAIL), the RCPT and, when the client already
   * sent it, DATA, in one write when the backend pipelines; the first
   * refusal among `before` becomes the recipient's refusal.
   */
  async #recipients(
    conn: BackendConnection,
    before: string[],
    target: RecipientRoute,
    dataFollows: boolean,
  ): Promise<SmtpReply> {
    const lines = [...before, `RCPT TO:<${target.forwardPath}>`];
    const withData = dataFollows && conn.supportsPipelining;
    if (withData) lines.push('DATA');
    const replies = await conn.send(lines).catch((error: unknown) => {
      this.#end(false);
      throw error;
    });
    const mail = before.length > 0 ? replies[before.length - 1] : undefined;
    const rcpt = replies[before.length];
    if ((mail !== undefined && !isPositive(mail)) || rcpt === undefined) {
      const server = this.#serverName;
      const refusal = mail !== undefined && mail.code >= 400 ? mail : undefined;
      this.#end(!withData, true);
      throw new BackendError('refused', server ?? '?', 'MAIL refused', refusal);
    }
    const answer = this.#recipientReply(rcpt, target);
    const data = withData ? replies[before.length + 1] : undefined;
    if (data !== undefined && this.#conn !== undefined) {
      this.#dataReply = data;
      if (data.code === 354) this.#phase = 'data-ready';
    }
    return answer;
  }

  #recipientReply(r: SmtpReply, target: RecipientRoute): SmtpReply {
    if (isPositive(r)) {
      this.recipients.push(target.forwardPath.toLowerCase());
      this.#ctx.stats.recipients++;
      if (target.entry !== undefined) target.route.placement?.remember(target.entry, this.#server!);
    } else if (this.recipients.length === 0) {
      // Nobody is bound to this backend yet: free the transaction for another
      // (a DATA pipelined behind the refused RCPT was refused too: RSET suffices).
      this.#end(true, true);
    }
    return r;
  }

  #drained(): void {
    for (const callback of this.#drainWaiters.splice(0)) callback();
  }

  /** The backend went away: mid-message, the message fails (451 at the final dot); before any recipient, unbind. */
  #onBroken(): void {
    if (this.#phase === 'data') {
      this.#phase = 'failed';
      this.#drained();
    } else if (this.recipients.length === 0) this.#end(false);
  }

  /** Hands the connection back (RSET first when `reset`) or closes it, and ends the server session. */
  #end(reusable: boolean, reset = false): void {
    const conn = this.#conn;
    const server = this.#server;
    const route = this.#route;
    this.#conn = undefined;
    this.#server = undefined;
    this.#route = undefined;
    this.#dataReply = undefined;
    this.#phase = 'done';
    if (conn === undefined) return;
    conn.onBroken = undefined;
    if (server !== undefined && route !== undefined) route.pool.sessionEnded(server);
    if (server === undefined || route === undefined || !reusable) {
      conn.destroy();
      return;
    }
    if (reset) void conn.reset().then((ok) => route.connections.release(server, conn, ok));
    else route.connections.release(server, conn, true);
  }

  #record(outcome: MessageOutcome, code: number, verdictMs: number): void {
    this.#ctx.stats.message({
      pool: this.#poolName,
      server: this.#serverName,
      recipients: this.recipients.length,
      bytes: this.#bytes,
      code,
      outcome,
      verdictMs,
    });
    this.#ctx.onMessage?.({
      sender: this.sender.address,
      recipients: this.recipients.length,
      size: this.#bytes,
      result: outcome,
      code,
      server: this.#serverName,
    });
  }
}
