import { Lvs7Error } from '@lvs7/core';

/**
 * Every way a mail session can fail before it is spliced, with the reply each
 * protocol gives. One table, so the mapping is written once: sessions throw
 * (or return) these and `imapReply` / `pop3Reply` turn them into lines.
 * Texts never say whether a user exists.
 */
interface ReplySpec {
  /** IMAP: tagged NO/BAD, or untagged BYE (then the connection closes). */
  readonly imap: 'NO' | 'BAD' | 'BYE';
  /** RFC 5530 response code, without brackets. */
  readonly imapCode?: string;
  /** RFC 3206 / 2449 response code for POP3, without brackets. */
  readonly pop3Code?: string;
  readonly text: string;
  /** The connection closes after the reply. */
  readonly close: boolean;
}

export const MAIL_ERROR_REPLIES = {
  LVS7_MAIL_AUTH_FAILED: {
    imap: 'NO',
    imapCode: 'AUTHENTICATIONFAILED',
    pop3Code: 'AUTH',
    text: 'Authentication failed.',
    close: false,
  },
  LVS7_MAIL_TEMPORARY: {
    imap: 'NO',
    imapCode: 'UNAVAILABLE',
    pop3Code: 'SYS/TEMP',
    text: 'Temporary failure, try again later.',
    close: false,
  },
  LVS7_MAIL_PRIVACY_REQUIRED: {
    imap: 'NO',
    imapCode: 'PRIVACYREQUIRED',
    pop3Code: 'AUTH',
    text: 'Plaintext authentication disallowed on non-secure connections.',
    close: false,
  },
  LVS7_MAIL_SYNTAX: { imap: 'BAD', text: 'Error in command.', close: false },
  LVS7_MAIL_UNKNOWN_COMMAND: { imap: 'BAD', text: 'Unknown command.', close: false },
  LVS7_MAIL_LOGIN_FIRST: { imap: 'BAD', text: 'Please log in first.', close: false },
  LVS7_MAIL_TLS_UNAVAILABLE: { imap: 'BAD', text: 'TLS is not available.', close: false },
  LVS7_MAIL_TLS_ACTIVE: { imap: 'BAD', text: 'TLS is already active.', close: false },
  LVS7_MAIL_UNSUPPORTED_MECHANISM: {
    imap: 'NO',
    imapCode: 'CANNOT',
    text: 'Unsupported authentication mechanism.',
    close: false,
  },
  LVS7_MAIL_AUTH_CANCELLED: { imap: 'BAD', text: 'Authentication cancelled.', close: false },
  LVS7_MAIL_INVALID_SASL: { imap: 'BAD', text: 'Invalid SASL response.', close: false },
  LVS7_MAIL_LINE_TOO_LONG: { imap: 'BYE', text: 'Line too long.', close: true },
  LVS7_MAIL_TOO_MANY_BAD_COMMANDS: { imap: 'BYE', text: 'Too many invalid commands.', close: true },
  LVS7_MAIL_PREAUTH_TIMEOUT: { imap: 'BYE', text: 'Disconnected for inactivity.', close: true },
  LVS7_MAIL_TOO_MANY_CONNECTIONS: {
    imap: 'BYE',
    imapCode: 'UNAVAILABLE',
    pop3Code: 'SYS/TEMP',
    text: 'Too many connections.',
    close: true,
  },
  LVS7_MAIL_SHUTTING_DOWN: {
    imap: 'BYE',
    imapCode: 'UNAVAILABLE',
    pop3Code: 'SYS/TEMP',
    text: 'Server shutting down.',
    close: true,
  },
  LVS7_MAIL_BACKEND_LOST: {
    imap: 'BYE',
    imapCode: 'UNAVAILABLE',
    pop3Code: 'SYS/TEMP',
    text: 'Backend server went away.',
    close: true,
  },
} as const satisfies Record<string, ReplySpec>;

export type MailErrorCode = keyof typeof MAIL_ERROR_REPLIES;

/** A failure that becomes a protocol reply (see MAIL_ERROR_REPLIES). */
export class MailError extends Lvs7Error {
  declare readonly code: MailErrorCode;
  constructor(code: MailErrorCode, message?: string, options?: ErrorOptions) {
    super(code, message ?? MAIL_ERROR_REPLIES[code].text, options);
  }

  get closes(): boolean {
    return MAIL_ERROR_REPLIES[this.code].close;
  }
}

/** No such user, or the backend refused the credentials (never says which). */
export class AuthFailedError extends MailError {
  constructor(message = 'authentication failed', options?: ErrorOptions) {
    super('LVS7_MAIL_AUTH_FAILED', message, options);
  }
}

/** Directory unavailable, no eligible server, pinned backend unreachable: try again later. */
export class TemporaryFailureError extends MailError {
  constructor(message: string, options?: ErrorOptions) {
    super('LVS7_MAIL_TEMPORARY', message, options);
  }
}

/** The client's command cannot be parsed. */
export class CommandSyntaxError extends MailError {
  constructor(message = 'syntax error') {
    super('LVS7_MAIL_SYNTAX', message);
  }
}

/** A SASL response is not valid base64 or not a PLAIN message. */
export class InvalidSaslError extends MailError {
  constructor(message = 'invalid SASL response') {
    super('LVS7_MAIL_INVALID_SASL', message);
  }
}

/** A backend could not be reached, greeted badly, or broke the login exchange. */
export class BackendError extends Lvs7Error {
  /** The connection failed before any byte was exchanged (the next placement may be tried). */
  readonly connectFailed: boolean;
  constructor(server: string, reason: string, connectFailed: boolean, options?: ErrorOptions) {
    super('LVS7_MAIL_BACKEND_FAILED', `backend ${server}: ${reason}`, options);
    this.connectFailed = connectFailed;
  }
}

/** A listener option is missing, of the wrong type or out of range (all problems at once). */
export class InvalidMailOptionError extends Lvs7Error {
  readonly problems: readonly string[];
  constructor(listener: string, problems: readonly string[]) {
    super('LVS7_MAIL_INVALID_OPTION', `mail listener "${listener}": ${problems.join('; ')}`);
    this.problems = problems;
  }
}

/** The admin API named a user the directory does not know. */
export class MailUserNotFoundError extends Lvs7Error {
  constructor(user: string) {
    super('LVS7_MAIL_USER_NOT_FOUND', `no such user "${user}"`);
  }
}

/** The admin API named a server no mail pool has. */
export class MailServerNotFoundError extends Lvs7Error {
  constructor(server: string) {
    super('LVS7_MAIL_SERVER_NOT_FOUND', `no mail pool has a server "${server}"`);
  }
}

/** The directory's DirectoryUnavailableError (checked by code: no import cycle on its class). */
export function isDirectoryUnavailable(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'LVS7_ERR_DIRECTORY_UNAVAILABLE';
}

/** Any error as a MailError: known ones keep their code, the rest become temporary failures. */
export function asMailError(error: unknown): MailError {
  if (error instanceof MailError) return error;
  if (isDirectoryUnavailable(error))
    return new TemporaryFailureError('directory unavailable', { cause: error });
  return new TemporaryFailureError(error instanceof Error ? error.message : String(error), { cause: error });
}

/** The IMAP reply for an error: a tagged NO/BAD line or an untagged BYE. */
export function imapReply(error: MailError, tag: string): string {
  const spec: ReplySpec = MAIL_ERROR_REPLIES[error.code];
  const code = spec.imapCode ? `[${spec.imapCode}] ` : '';
  if (spec.imap === 'BYE') return `* BYE ${code}${spec.text}\r\n`;
  return `${tag} ${spec.imap} ${code}${spec.text}\r\n`;
}

/** The POP3 reply for an error: one -ERR line, with a response code when one applies. */
export function pop3Reply(error: MailError): string {
  const spec: ReplySpec = MAIL_ERROR_REPLIES[error.code];
  const code = spec.pop3Code ? `[${spec.pop3Code}] ` : '';
  return `-ERR ${code}${spec.text}\r\n`;
}
