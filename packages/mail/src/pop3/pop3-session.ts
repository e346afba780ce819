import { MailError, pop3Reply } from '../errors.js';
import { LINE_TOO_LONG } from '../protocol/line-framer.js';
import { decodeSaslPlain } from '../protocol/sasl-plain.js';
import { MailSession, SessionState, type StepResult, WAIT } from '../session/mail-session.js';
import { POP3_COMMANDS, TRANSACTION_COMMANDS } from './commands/index.js';
import { parsePop3Command } from './pop3-parser.js';

/**
 * A POP3 client in the AUTHORIZATION state (RFC 1939): USER/PASS, AUTH PLAIN
 * (RFC 5034, with an initial response or the `+` continuation), CAPA
 * (RFC 2449), STLS (RFC 2595), then login through the backend.
 */
export class Pop3Session extends MailSession {
  /** The name given with USER, waiting for PASS. */
  pendingUser: string | undefined;

  capabilities(): string[] {
    const caps = ['CAPA', 'TOP', 'UIDL', 'RESP-CODES', 'AUTH-RESP-CODE', 'PIPELINING'];
    if (this.loginAllowed) caps.push('USER', 'SASL PLAIN');
    if (this.tlsAvailable) caps.push('STLS');
    return caps;
  }

  protected greeting(): string {
    return `+OK ${this.ctx.options.greeting}\r\n`;
  }

  protected errorReply(error: MailError): string {
    return pop3Reply(error);
  }

  /** AUTH PLAIN without an initial response: ask for it. */
  awaitSaslResponse(): void {
    this.setState(SessionState.Continuation);
    this.write('+ \r\n');
  }

  protected next(): StepResult {
    const line = this.framer.nextLine();
    if (line === undefined) return WAIT;
    if (line === LINE_TOO_LONG) {
      this.fail(new MailError('LVS7_MAIL_LINE_TOO_LONG'));
      return undefined;
    }
    if (this.state === SessionState.Continuation) return this.#saslResponse(line.toString('latin1'));
    if (line.length === 0) return undefined;
    const command = parsePop3Command(line);
    const handler = command && POP3_COMMANDS.get(command.name);
    if (command === undefined || handler === undefined) {
      const known = command !== undefined && TRANSACTION_COMMANDS.has(command.name);
      this.badCommand(new MailError(known ? 'LVS7_MAIL_LOGIN_FIRST' : 'LVS7_MAIL_UNKNOWN_COMMAND'));
      return undefined;
    }
    return handler(this, command) ?? undefined;
  }

  #saslResponse(text: string): StepResult {
    this.setState(SessionState.PreAuth);
    if (text === '*') {
      this.fail(new MailError('LVS7_MAIL_AUTH_CANCELLED'));
      return undefined;
    }
    try {
      return this.login(decodeSaslPlain(text), '');
    } catch (error) {
      if (!(error instanceof MailError)) throw error;
      this.badCommand(error);
      return undefined;
    }
  }
}
