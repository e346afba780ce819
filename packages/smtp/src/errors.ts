import { Lvs7Error } from '@lvs7/core';
import { reply, type SmtpReply } from './reply.js';

/**
 * Every refusal the distributor makes, with the reply the client gets. One
 * table, so the mapping is written once: handlers throw SmtpError (or a
 * BackendError, or whatever the directory rejected with) and `replyFor`
 * turns it into a reply. Nothing that is temporary on our side (directory,
 * backend) ever maps to a 5xx.
 */
export const SMTP_ERROR_REPLIES = {
  // Recipients.
  LVS7_SMTP_USER_UNKNOWN: [550, '5.1.1', 'Recipient address rejected: user unknown'],
  LVS7_SMTP_RELAY_DENIED: [554, '5.7.1', 'Relay access denied'],
  LVS7_SMTP_DIRECTORY_UNAVAILABLE: [451, '4.3.0', 'Recipient lookup failed, try again later'],
  LVS7_SMTP_OTHER_BACKEND: [
    452,
    '4.5.3',
    'Too many recipients for this transaction, send the rest separately',
  ],
  LVS7_SMTP_TOO_MANY_RECIPIENTS: [452, '4.5.3', 'Too many recipients'],
  LVS7_SMTP_NO_SERVER: [451, '4.4.1', 'Mailbox server unavailable, try again later'],
  LVS7_SMTP_NOT_LOCAL: [551, '5.1.6', 'User not local'],
  // Messages.
  LVS7_SMTP_MESSAGE_TOO_BIG: [552, '5.3.4', 'Message size exceeds fixed limit'],
  LVS7_SMTP_NO_RECIPIENTS: [554, '5.5.1', 'No valid recipients'],
  LVS7_SMTP_BACKEND_FAILED: [451, '4.4.2', 'Message not accepted: mailbox server failed, try again later'],
  LVS7_SMTP_PARTIAL_FAILURE: [451, '4.3.0', 'Message not accepted for every recipient, try again later'],
  // Commands.
  LVS7_SMTP_UNKNOWN_COMMAND: [500, '5.5.2', 'Command unrecognized'],
  LVS7_SMTP_LINE_TOO_LONG: [500, '5.5.2', 'Line too long'],
  LVS7_SMTP_SYNTAX: [501, '5.5.4', 'Syntax error in parameters or arguments'],
  LVS7_SMTP_BAD_ADDRESS: [501, '5.1.3', 'Bad address syntax'],
  LVS7_SMTP_BAD_SEQUENCE: [503, '5.5.1', 'Bad sequence of commands'],
  LVS7_SMTP_UNSUPPORTED_PARAMETER: [555, '5.5.4', 'Unsupported MAIL or RCPT parameter'],
  LVS7_SMTP_UTF8_REQUIRED: [553, '5.6.7', 'Non-ASCII address needs SMTPUTF8'],
  LVS7_SMTP_NOT_IMPLEMENTED: [502, '5.5.1', 'Command not implemented'],
  // Authentication and TLS.
  LVS7_SMTP_AUTH_FAILED: [535, '5.7.8', 'Authentication credentials invalid'],
  LVS7_SMTP_AUTH_UNAVAILABLE: [454, '4.7.0', 'Temporary authentication failure'],
  LVS7_SMTP_ENCRYPTION_REQUIRED: [
    538,
    '5.7.11',
    'Encryption required for requested authentication mechanism',
  ],
  LVS7_SMTP_AUTH_MECHANISM: [504, '5.5.4', 'Unrecognized authentication type'],
  LVS7_SMTP_AUTH_CANCELLED: [501, '5.0.0', 'Authentication cancelled'],
  LVS7_SMTP_AUTH_SYNTAX: [501, '5.5.2', 'Invalid base64 data'],
  LVS7_SMTP_TLS_UNAVAILABLE: [454, '4.7.0', 'TLS not available'],
  // The connection closes after these.
  LVS7_SMTP_TOO_MANY_ERRORS: [421, '4.7.0', 'Too many errors, closing connection'],
  LVS7_SMTP_TOO_MANY_COMMANDS: [421, '4.7.0', 'Too many commands without a transaction, closing connection'],
  LVS7_SMTP_TOO_MANY_CONNECTIONS: [421, '4.7.0', 'Too many connections, try again later'],
  LVS7_SMTP_TIMEOUT: [421, '4.4.2', 'Timeout exceeded, closing connection'],
  LVS7_SMTP_SHUTTING_DOWN: [421, '4.3.2', 'Service shutting down, closing connection'],
} as const satisfies Record<string, readonly [number, string, string]>;

export type SmtpErrorCode = keyof typeof SMTP_ERROR_REPLIES;

/** A refusal that becomes the reply SMTP_ERROR_REPLIES names (its text may be overridden). */
export class SmtpError extends Lvs7Error {
  declare readonly code: SmtpErrorCode;
  readonly replyText: string | undefined;
  constructor(code: SmtpErrorCode, replyText?: string, options?: ErrorOptions) {
    super(code, replyText ?? SMTP_ERROR_REPLIES[code][2], options);
    this.replyText = replyText;
  }

  get reply(): SmtpReply {
    const [code, enhanced, text] = SMTP_ERROR_REPLIES[this.code];
    return reply(code, enhanced, this.replyText ?? text);
  }

  /** 421 replies end the session. */
  get closes(): boolean {
    return SMTP_ERROR_REPLIES[this.code][0] === 421;
  }
}

export type BackendFailure = 'connect' | 'timeout' | 'closed' | 'protocol' | 'refused';

/**
 * A backend connection failed (`kind`), or refused what we asked (`kind`
 * refused, with the backend's own reply, which the client is shown when it
 * is a recipient's or a message's verdict).
 */
export class BackendError extends Lvs7Error {
  readonly kind: BackendFailure;
  readonly server: string;
  readonly backendReply: SmtpReply | undefined;
  constructor(
    kind: BackendFailure,
    server: string,
    message: string,
    backendReply?: SmtpReply,
    options?: ErrorOptions,
  ) {
    super(`LVS7_SMTP_BACKEND_${kind.toUpperCase()}`, `backend ${server}: ${message}`, options);
    this.kind = kind;
    this.server = server;
    this.backendReply = backendReply;
  }
}

/** Options that cannot be used; every problem is listed at once. */
export class InvalidSmtpOptionError extends Lvs7Error {
  readonly problems: readonly string[];
  constructor(listener: string, problems: readonly string[]) {
    super('LVS7_ERR_INVALID_SMTP_OPTION', `smtp listener "${listener}": ${problems.join('; ')}`);
    this.problems = problems;
  }
}

/** `update()` cannot move a bound listener to another address or TLS mode. */
export class SmtpListenerRebindError extends Lvs7Error {
  constructor(name: string) {
    super(
      'LVS7_ERR_LISTENER_REBIND',
      `smtp listener "${name}": listen address and TLS mode cannot change on update`,
    );
  }
}

/** The directory's DirectoryUnavailableError, checked by its stable code. */
export function isDirectoryUnavailable(error: unknown): boolean {
  return error instanceof Lvs7Error && error.code === 'LVS7_ERR_DIRECTORY_UNAVAILABLE';
}

/**
 * The reply for any failure: SmtpErrors by the table, a backend refusal as
 * the backend worded it, every other failure as a 4xx (a bug or an outage
 * must never bounce mail).
 */
export function replyFor(error: unknown): SmtpReply {
  if (error instanceof SmtpError) return error.reply;
  if (error instanceof BackendError) {
    if (error.backendReply !== undefined && error.backendReply.code >= 400) return error.backendReply;
    if (error.kind === 'connect') return new SmtpError('LVS7_SMTP_NO_SERVER').reply;
    return new SmtpError('LVS7_SMTP_BACKEND_FAILED').reply;
  }
  if (isDirectoryUnavailable(error)) return new SmtpError('LVS7_SMTP_DIRECTORY_UNAVAILABLE').reply;
  return reply(451, '4.3.0', 'Local error in processing, try again later');
}
