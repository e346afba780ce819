import { Lvs7Error } from '@lvs7/core';

/**
 * Every way a mail node refuses or fails, with the reply each protocol gives
 * for it. One table, so LMTP, POP3 and IMAP answer the same failure the same
 * way: `smtp` is [basic code, enhanced code], `imap` the response code and
 * status, `pop3` the RFC 3206 response code.
 */
export const MAILSTORE_ERRORS = {
  LVS7_MAILSTORE_NO_SUCH_USER: { smtp: [550, '5.1.1'], imap: ['NO', 'AUTHENTICATIONFAILED'], pop3: 'AUTH' },
  LVS7_MAILSTORE_AUTH_FAILED: { smtp: [535, '5.7.8'], imap: ['NO', 'AUTHENTICATIONFAILED'], pop3: 'AUTH' },
  LVS7_MAILSTORE_ACCOUNT_DISABLED: {
    smtp: [550, '5.2.1'],
    imap: ['NO', 'AUTHORIZATIONFAILED'],
    pop3: 'AUTH',
  },
  LVS7_MAILSTORE_QUOTA_EXCEEDED: { smtp: [552, '5.2.2'], imap: ['NO', 'OVERQUOTA'], pop3: 'SYS/PERM' },
  LVS7_MAILSTORE_MESSAGE_TOO_BIG: { smtp: [552, '5.3.4'], imap: ['NO', 'TOOBIG'], pop3: 'SYS/PERM' },
  LVS7_MAILSTORE_DIRECTORY_UNAVAILABLE: {
    smtp: [451, '4.3.0'],
    imap: ['NO', 'UNAVAILABLE'],
    pop3: 'SYS/TEMP',
  },
  LVS7_MAILSTORE_LOCK_TIMEOUT: { smtp: [451, '4.3.0'], imap: ['NO', 'INUSE'], pop3: 'IN-USE' },
  LVS7_MAILSTORE_LOCK_LOST: { smtp: [451, '4.3.0'], imap: ['NO', 'INUSE'], pop3: 'IN-USE' },
  LVS7_MAILSTORE_NO_SUCH_MAILBOX: { smtp: [550, '5.1.1'], imap: ['NO', 'NONEXISTENT'], pop3: 'SYS/PERM' },
  LVS7_MAILSTORE_MAILBOX_EXISTS: { smtp: [550, '5.1.1'], imap: ['NO', 'ALREADYEXISTS'], pop3: 'SYS/PERM' },
  LVS7_MAILSTORE_INVALID_MAILBOX_NAME: { smtp: [550, '5.1.1'], imap: ['NO', 'CANNOT'], pop3: 'SYS/PERM' },
  LVS7_MAILSTORE_STORAGE_FAILED: { smtp: [451, '4.3.0'], imap: ['NO', 'SERVERBUG'], pop3: 'SYS/TEMP' },
  LVS7_MAILSTORE_CORRUPT_UIDLIST: { smtp: [451, '4.3.0'], imap: ['NO', 'SERVERBUG'], pop3: 'SYS/TEMP' },
} as const satisfies Record<
  string,
  { smtp: readonly [number, string]; imap: readonly [string, string]; pop3: string }
>;

export type MailstoreErrorCode = keyof typeof MAILSTORE_ERRORS;

/** A refusal or failure a client sees as a protocol reply (never a crash). */
export class MailstoreError extends Lvs7Error {
  declare readonly code: MailstoreErrorCode;
  constructor(code: MailstoreErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
  /** True for temporary failures (4xx): the client should retry later. */
  get temporary(): boolean {
    return MAILSTORE_ERRORS[this.code].smtp[0] < 500;
  }
}

export class NoSuchUserError extends MailstoreError {
  constructor(user: string) {
    super('LVS7_MAILSTORE_NO_SUCH_USER', `no such user "${user}"`);
  }
}

export class AuthenticationFailedError extends MailstoreError {
  constructor() {
    super('LVS7_MAILSTORE_AUTH_FAILED', 'authentication failed');
  }
}

export class AccountDisabledError extends MailstoreError {
  constructor(user: string) {
    super('LVS7_MAILSTORE_ACCOUNT_DISABLED', `account "${user}" is disabled`);
  }
}

export class QuotaExceededError extends MailstoreError {
  constructor(user: string, used: number, limit: number) {
    super('LVS7_MAILSTORE_QUOTA_EXCEEDED', `mailbox of "${user}" is over quota (${used} of ${limit} bytes)`);
  }
}

export class MessageTooBigError extends MailstoreError {
  constructor(size: number, limit: number) {
    super('LVS7_MAILSTORE_MESSAGE_TOO_BIG', `message of ${size} bytes exceeds the limit of ${limit} bytes`);
  }
}

export class DirectoryFailedError extends MailstoreError {
  constructor(reason: string, options?: ErrorOptions) {
    super('LVS7_MAILSTORE_DIRECTORY_UNAVAILABLE', `directory unavailable: ${reason}`, options);
  }
}

/** The mailbox lock could not be taken in time (another node holds it). */
export class MailboxLockTimeoutError extends MailstoreError {
  constructor(path: string, timeoutMs: number) {
    super('LVS7_MAILSTORE_LOCK_TIMEOUT', `mailbox lock ${path} not acquired within ${timeoutMs} ms`);
  }
}

/** A newer fencing token exists: this holder lost its lock and must not write. */
export class MailboxLockLostError extends MailstoreError {
  constructor(path: string, token: number, current: number) {
    super('LVS7_MAILSTORE_LOCK_LOST', `mailbox lock ${path} lost: token ${token} superseded by ${current}`);
  }
}

export class NoSuchMailboxError extends MailstoreError {
  constructor(name: string) {
    super('LVS7_MAILSTORE_NO_SUCH_MAILBOX', `mailbox "${name}" does not exist`);
  }
}

export class MailboxExistsError extends MailstoreError {
  constructor(name: string) {
    super('LVS7_MAILSTORE_MAILBOX_EXISTS', `mailbox "${name}" already exists`);
  }
}

export class InvalidMailboxNameError extends MailstoreError {
  constructor(name: string, reason: string) {
    super('LVS7_MAILSTORE_INVALID_MAILBOX_NAME', `invalid mailbox name "${name}": ${reason}`);
  }
}

export class StorageError extends MailstoreError {
  constructor(reason: string, options?: ErrorOptions) {
    super('LVS7_MAILSTORE_STORAGE_FAILED', reason, options);
  }
}

export class CorruptUidListError extends MailstoreError {
  constructor(path: string, line: number, detail: string) {
    super('LVS7_MAILSTORE_CORRUPT_UIDLIST', `${path}:${line}: ${detail}`);
  }
}

/** MailNode options are missing, of the wrong type or out of range: every problem at once. */
export class InvalidMailNodeOptionError extends Lvs7Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super('LVS7_ERR_INVALID_MAILSTORE_OPTION', `mailstore: ${problems.join('; ')}`);
    this.problems = problems;
  }
}

/** Anything thrown, as a MailstoreError (unexpected errors become a temporary storage failure). */
export function asMailstoreError(error: unknown): MailstoreError {
  if (error instanceof MailstoreError) return error;
  // By code, not class: the directory package may be a different copy.
  if ((error as { code?: unknown } | null)?.code === 'LVS7_ERR_DIRECTORY_UNAVAILABLE') {
    return new DirectoryFailedError((error as Error).message, { cause: error });
  }
  return new StorageError(error instanceof Error ? error.message : String(error), { cause: error });
}
