import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Directory, DirectoryUnavailableError, type MailboxEntry } from '@lvs7/directory';
import pino from 'pino';

export interface TestUser {
  readonly mail: string;
  readonly uid?: string;
  readonly password: string;
  readonly attributes?: Record<string, string>;
}

/** A tiny in-memory Directory: users by mail or uid, cleartext passwords. */
export class MemoryDirectory implements Directory {
  readonly name = 'memory';
  readonly users = new Map<string, TestUser>();
  /** When set, every call rejects as an unreachable directory would. */
  down = false;

  constructor(users: readonly TestUser[] = []) {
    for (const user of users) this.add(user);
  }

  add(user: TestUser): void {
    this.users.set(user.mail.toLowerCase(), user);
    if (user.uid) this.users.set(user.uid.toLowerCase(), user);
  }

  async lookup(user: string): Promise<MailboxEntry | undefined> {
    if (this.down) throw new DirectoryUnavailableError(this.name, 'test says it is down');
    const found = this.users.get(user.toLowerCase());
    if (!found) return undefined;
    const attributes: Record<string, string[]> = { mail: [found.mail] };
    for (const [k, v] of Object.entries(found.attributes ?? {})) attributes[k.toLowerCase()] = [v];
    return { mailbox: found.mail, uid: found.uid, aliases: [], dn: `mail=${found.mail}`, attributes };
  }

  async verifyPassword(user: string, password: string): Promise<boolean> {
    if (this.down) throw new DirectoryUnavailableError(this.name, 'test says it is down');
    return this.users.get(user.toLowerCase())?.password === password;
  }

  async close(): Promise<void> {}
}

export const silentLogger = pino({ level: process.env.LVS7_TEST_LOG ?? 'silent' });

export async function tempRoot(
  prefix = 'lvs7-mailstore-',
): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** A small plain-text message with CRLF line ends. */
export function sampleMessage(subject: string, body = 'Hello.', from = 'sender@example.net'): string {
  return [
    `From: Sender <${from}>`,
    'To: Alice <alice@example.org>',
    `Subject: ${subject}`,
    'Date: Mon, 7 Feb 1994 21:52:25 -0800',
    `Message-ID: <${subject.replace(/\W/g, '')}.${Math.random().toString(36).slice(2)}@example.net>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    body,
    '',
  ].join('\r\n');
}

export interface TestNode {
  readonly node: import('../src/index.js').MailNode;
  readonly directory: MemoryDirectory;
  readonly root: string;
  readonly imap: number;
  readonly pop3: number;
  readonly lmtp: number;
  stop(): Promise<void>;
}

/** alice: plain; bob: 3000-byte quota; carol: disabled. Passwords are "secret". */
export const TEST_USERS: TestUser[] = [
  { mail: 'alice@example.org', uid: 'alice', password: 'secret' },
  { mail: 'bob@example.org', uid: 'bob', password: 'secret', attributes: { mailQuotaSize: '3000' } },
  { mail: 'carol@example.org', uid: 'carol', password: 'secret', attributes: { accountStatus: 'disabled' } },
];

/** A MailNode on port 0 (LMTP, IMAP, POP3) over a fresh root; `root` shares one between nodes. */
export async function startTestNode(
  options: Partial<import('../src/index.js').MailNodeOptions> & { rootPath?: string } = {},
): Promise<TestNode> {
  const { MailNode } = await import('../src/index.js');
  const owned = options.rootPath ? undefined : await tempRoot();
  const rootPath = options.rootPath ?? owned!.path;
  const { rootPath: _ignored, ...rest } = options;
  const directory = (rest.directory as MemoryDirectory | undefined) ?? new MemoryDirectory(TEST_USERS);
  const node = new MailNode({
    name: 'mail1.test',
    root: rootPath,
    directory,
    lmtp: '127.0.0.1:0',
    imap: '127.0.0.1:0',
    pop3: '127.0.0.1:0',
    logger: silentLogger,
    authFailureDelayMs: 20,
    fsync: false,
    idlePollMs: 100,
    ...rest,
  });
  await node.start();
  return {
    node,
    directory,
    root: rootPath,
    imap: node.addresses.imap?.port ?? 0,
    pop3: node.addresses.pop3?.port ?? 0,
    lmtp: node.addresses.lmtp?.port ?? 0,
    async stop() {
      await node.stop();
      await owned?.remove();
    },
  };
}

export { selfSignedCertificate as selfSignedCert } from '@lvs7/testkit';
