import { readFileSync } from 'node:fs';
import { type HostPort, parseHostPort } from '@lvs7/core';
import type { Directory } from '@lvs7/directory';
import type { Logger } from 'pino';
import { InvalidMailNodeOptionError } from './errors.js';
import type { MailboxLock } from './maildir/mailbox-lock.js';
import { DEFAULT_LIMITS, type Limits } from './node-context.js';

export interface MailNodeTlsOptions {
  /** PEM text, or a path to a PEM file. */
  readonly cert: string;
  readonly key: string;
}

export interface MailNodeOptions {
  /** The node's name: greetings, ID, Received headers (matches mailHost values and pool server names). */
  readonly name: string;
  /** The shared storage root. */
  readonly root: string;
  readonly directory: Directory;
  /** `host:port` listeners; each is optional (port 0 = any free port). */
  readonly lmtp?: string | undefined;
  readonly smtp?: string | undefined;
  readonly imap?: string | undefined;
  readonly pop3?: string | undefined;
  /** For STARTTLS (IMAP, SMTP/LMTP) and STLS (POP3). */
  readonly tls?: MailNodeTlsOptions | undefined;
  readonly logger: Logger;
  /** Maildir of an entry without a store attribute: `{root}/{domain}/{local}` by default. */
  readonly mailboxTemplate?: string | undefined;
  readonly storeAttribute?: string | undefined;
  readonly quotaAttribute?: string | undefined;
  readonly statusAttribute?: string | undefined;
  readonly disabledStatuses?: readonly string[] | undefined;
  readonly authFailureDelayMs?: number | undefined;
  readonly limits?: Partial<Limits> | undefined;
  /** The uid list lock: a MailboxLock, or options for the file lock. */
  readonly lock?: MailboxLock | { readonly staleMs?: number; readonly timeoutMs?: number } | undefined;
  /** fsync messages and uid lists (crash safety). Default true. */
  readonly fsync?: boolean | undefined;
  /** How often an IDLE session looks for changes made by other nodes. Default 1000 ms. */
  readonly idlePollMs?: number | undefined;
}

export interface ResolvedOptions {
  readonly listeners: Readonly<Partial<Record<'lmtp' | 'smtp' | 'imap' | 'pop3', HostPort>>>;
  readonly tls: { readonly cert: string; readonly key: string } | undefined;
  readonly limits: Limits;
}

const KNOWN = new Set([
  'name',
  'root',
  'directory',
  'lmtp',
  'smtp',
  'imap',
  'pop3',
  'tls',
  'logger',
  'mailboxTemplate',
  'storeAttribute',
  'quotaAttribute',
  'statusAttribute',
  'disabledStatuses',
  'authFailureDelayMs',
  'limits',
  'lock',
  'fsync',
  'idlePollMs',
]);

/** Checks everything once, reporting every problem together (unknown keys too). */
export function resolveOptions(options: MailNodeOptions): ResolvedOptions {
  const problems: string[] = [];
  for (const key of Object.keys(options)) if (!KNOWN.has(key)) problems.push(`${key}: unknown option`);
  if (typeof options.name !== 'string' || !/^[^\s]+$/.test(options.name))
    problems.push('name: a name without spaces is required');
  if (typeof options.root !== 'string' || options.root === '') problems.push('root: a directory is required');
  if (!options.directory || typeof options.directory.lookup !== 'function')
    problems.push('directory: a Directory is required');
  if (!options.logger || typeof options.logger.child !== 'function')
    problems.push('logger: a pino logger is required');
  const listeners: Partial<Record<'lmtp' | 'smtp' | 'imap' | 'pop3', HostPort>> = {};
  for (const key of ['lmtp', 'smtp', 'imap', 'pop3'] as const) {
    const value = options[key];
    if (value === undefined) continue;
    try {
      listeners[key] = parseHostPort(value);
    } catch (error) {
      problems.push(`${key}: ${(error as Error).message}`);
    }
  }
  const limits = { ...DEFAULT_LIMITS, ...(options.limits ?? {}) };
  for (const [key, value] of Object.entries(limits)) {
    if (!(key in DEFAULT_LIMITS)) problems.push(`limits.${key}: unknown limit`);
    else if (!Number.isInteger(value) || value <= 0)
      problems.push(`limits.${key}: a positive integer is required`);
  }
  let tls: ResolvedOptions['tls'];
  if (options.tls !== undefined) {
    try {
      tls = { cert: pem(options.tls.cert), key: pem(options.tls.key) };
    } catch (error) {
      problems.push(`tls: ${(error as Error).message}`);
    }
  }
  if (problems.length > 0) throw new InvalidMailNodeOptionError(problems);
  return { listeners, tls, limits };
}

/** PEM text as is, anything else is a file path. */
function pem(value: string): string {
  if (typeof value !== 'string') throw new Error('cert and key must be strings');
  return value.includes('-----BEGIN') ? value : readFileSync(value, 'utf8');
}
