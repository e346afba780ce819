import type { ClientInfo } from '../backend/backend-driver.js';
import { CommandSyntaxError, imapReply, MailError } from '../errors.js';
import { LINE_TOO_LONG } from '../protocol/line-framer.js';
import { decodeSaslPlain } from '../protocol/sasl-plain.js';
import { MailSession, SessionState, type StepResult, WAIT } from '../session/mail-session.js';
import { IMAP_COMMANDS, POST_LOGIN_COMMANDS } from './commands/index.js';
import { ImapParseError, type ImapSegment, literalMarker, parseImapCommand } from './imap-parser.js';

/**
 * An IMAP4 client before login (RFC 9051 / 3501 NOT AUTHENTICATED state):
 * assembles commands with their literals (synchronizing and LITERAL+),
 * dispatches them through IMAP_COMMANDS, and reads AUTHENTICATE responses.
 */
export class ImapSession extends MailSession {
  #segments: ImapSegment[] = [];
  #commandBytes = 0;
  #literal: { size: number; sync: boolean } | undefined;
  #saslTag: string | undefined;
  /** The client's ID parameters (forwarded to the backend). */
  clientId: Array<readonly [string, string | null]> | undefined;

  capabilities(): string {
    const caps = ['IMAP4rev1', 'SASL-IR', 'LITERAL+', 'ID', 'ENABLE', 'IDLE'];
    if (this.tlsAvailable) caps.push('STARTTLS');
    caps.push(this.loginAllowed ? 'AUTH=PLAIN' : 'LOGINDISABLED');
    return caps.join(' ');
  }

  protected greeting(): string {
    return `* OK [CAPABILITY ${this.capabilities()}] ${this.ctx.options.greeting}\r\n`;
  }

  protected errorReply(error: MailError, tag: string): string {
    return imapReply(error, tag);
  }

  protected override clientInfo(): ClientInfo {
    return { ...super.clientInfo(), id: this.clientId };
  }

  /** AUTHENTICATE without an initial response: ask for it with an empty continuation. */
  awaitSaslResponse(tag: string): void {
    this.#saslTag = tag;
    this.setState(SessionState.Continuation);
    this.write('+ \r\n');
  }

  protected next(): StepResult {
    if (this.state === SessionState.Continuation) return this.#saslResponse();
    for (;;) {
      if (this.#literal !== undefined) {
        const bytes = this.framer.take(this.#literal.size);
        if (bytes === undefined) return WAIT;
        this.#segments.push({ kind: 'literal', bytes });
        this.#literal = undefined;
        continue;
      }
      const line = this.framer.nextLine();
      if (line === undefined) return WAIT;
      if (line === LINE_TOO_LONG) {
        this.fail(new MailError('LVS7_MAIL_LINE_TOO_LONG'));
        return undefined;
      }
      const marker = literalMarker(line);
      this.#commandBytes += line.length + (marker?.size ?? 0);
      if (this.#commandBytes > this.framer.maxLineLength) return this.#tooLarge(line, marker?.sync ?? true);
      if (marker === undefined) {
        this.#segments.push({ kind: 'text', bytes: line });
        return this.#dispatch(this.#takeCommand());
      }
      this.#segments.push({ kind: 'text', bytes: marker.text });
      this.#literal = { size: marker.size, sync: marker.sync };
      if (marker.sync) this.write('+ Ready for literal data.\r\n');
    }
  }

  #takeCommand(): ImapSegment[] {
    const segments = this.#segments;
    this.#segments = [];
    this.#commandBytes = 0;
    return segments;
  }

  /** A command (with its literals) over the line limit: refuse it, or close when the client sends it regardless. */
  #tooLarge(line: Buffer, sync: boolean): StepResult {
    const first = this.#segments[0]?.bytes ?? line;
    const tag = /^[\x21-\x7e]+/.exec(first.subarray(0, 64).toString('latin1'))?.[0] ?? '*';
    this.#takeCommand();
    this.#literal = undefined;
    // After a non-synchronizing literal marker the client streams the bytes anyway.
    if (!sync) this.fail(new MailError('LVS7_MAIL_LINE_TOO_LONG'));
    else this.badCommand(new CommandSyntaxError('command too long'), tag);
    return undefined;
  }

  #dispatch(segments: ImapSegment[]): StepResult {
    if (segments.length === 1 && segments[0]!.bytes.length === 0) return undefined; // empty line
    let command: ReturnType<typeof parseImapCommand>;
    try {
      command = parseImapCommand(segments);
    } catch (error) {
      if (!(error instanceof ImapParseError)) throw error;
      this.badCommand(new CommandSyntaxError(error.message), error.tag);
      return undefined;
    }
    const handler = IMAP_COMMANDS.get(command.name);
    if (handler !== undefined) return handler(this, command) ?? undefined;
    const code = POST_LOGIN_COMMANDS.has(command.name)
      ? 'LVS7_MAIL_LOGIN_FIRST'
      : 'LVS7_MAIL_UNKNOWN_COMMAND';
    this.badCommand(new MailError(code), command.tag);
    return undefined;
  }

  #saslResponse(): StepResult {
    const line = this.framer.nextLine();
    if (line === undefined) return WAIT;
    if (line === LINE_TOO_LONG) {
      this.fail(new MailError('LVS7_MAIL_LINE_TOO_LONG'));
      return undefined;
    }
    const tag = this.#saslTag ?? '*';
    this.#saslTag = undefined;
    this.setState(SessionState.PreAuth);
    const text = line.toString('latin1');
    if (text === '*') {
      this.fail(new MailError('LVS7_MAIL_AUTH_CANCELLED'), tag);
      return undefined;
    }
    try {
      return this.login(decodeSaslPlain(text), tag);
    } catch (error) {
      if (!(error instanceof MailError)) throw error;
      this.badCommand(error, tag);
      return undefined;
    }
  }
}
