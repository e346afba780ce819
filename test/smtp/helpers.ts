import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { promisify } from 'node:util';
import { Pool } from '@lvs7/core';
import { type Directory, LdapDirectory } from '@lvs7/directory';
import { ReplyParser, SmtpListener, type SmtpListenerOptions, type SmtpReply } from '@lvs7/smtp';
import {
  demoUsersLdif,
  type LdifUser,
  type PostfixInstance,
  type SlapdInstance,
  startPostfix,
  startSlapd,
} from '@lvs7/testkit';
import pino from 'pino';

const run = promisify(execFile);

/** alice on mx1 (with an alias), bob and erin on mx2, carol anywhere (no mailHost). */
export const SMTP_USERS: readonly LdifUser[] = [
  {
    uid: 'alice',
    mail: 'alice@example.org',
    mailLocalAddress: ['a.smith@example.org'],
    mailHost: 'mx1.example.org',
    userPassword: 'alice-secret',
  },
  { uid: 'bob', mail: 'bob@example.org', mailHost: 'mx2.example.org', userPassword: 'bob-secret' },
  { uid: 'carol', mail: 'carol@example.org', userPassword: 'carol-secret' },
  { uid: 'erin', mail: 'erin@example.org', mailHost: 'mx2.example.org' },
];

export const MAILBOXES = SMTP_USERS.map((u) => u.mail!);

export interface MailCluster {
  readonly slapd: SlapdInstance;
  readonly mx: readonly PostfixInstance[];
  readonly directory: Directory;
  readonly pool: Pool;
  readonly listener: SmtpListener;
  readonly port: number;
  close(): Promise<void>;
}

/** slapd with SMTP_USERS, Postfix mx1 and mx2 (every user has a mailbox on both), and an SMTP listener in front. */
export async function startMailCluster(overrides: Partial<SmtpListenerOptions> = {}): Promise<MailCluster> {
  const [slapd, mx1, mx2] = await Promise.all([
    startSlapd({ ldif: demoUsersLdif(SMTP_USERS) }),
    startPostfix({ name: 'mx1', mailboxes: MAILBOXES }),
    startPostfix({ name: 'mx2', mailboxes: MAILBOXES }),
  ]);
  const logger = pino({ level: 'silent' });
  const directory = new LdapDirectory(
    'ldap',
    {
      urls: [slapd.url],
      baseDN: slapd.suffix,
      bindDN: slapd.rootDN,
      bindPassword: slapd.rootPassword,
      cacheTtl: 0,
      negativeCacheTtl: 0,
      timeout: 1000,
    },
    logger,
  );
  const pool = new Pool('mail', {
    scheduler: 'rr',
    servers: [
      // Server names are the directory's mailHost values (as every lvs7 mail protocol expects).
      { name: 'mx1.example.org', address: mx1.address },
      { name: 'mx2.example.org', address: mx2.address },
    ],
  });
  const listener = new SmtpListener({
    name: 'smtp',
    listen: '127.0.0.1:0',
    hostname: 'lvs7.test',
    directory,
    pool,
    domains: ['example.org'],
    logger,
    ...overrides,
  });
  await listener.listen();
  return {
    slapd,
    mx: [mx1, mx2],
    directory,
    pool,
    listener,
    port: listener.address()!.port,
    async close() {
      await listener.close({ drainTimeoutMs: 500 });
      pool.close();
      await directory.close();
      await Promise.all([slapd.stop(), mx1.stop(), mx2.stop()]);
    },
  };
}

export interface PythonResult {
  /** One entry per transaction: who was accepted, who was refused (code), the final reply. */
  readonly transactions: { accepted: string[]; refused: Record<string, number>; error?: string }[];
}

/**
 * Sends one message with Python's smtplib to `recipients`; recipients
 * refused with 452 are sent again in a next transaction, as an MTA would.
 */
export async function sendWithPython(
  port: number,
  recipients: readonly string[],
  subject: string,
): Promise<PythonResult> {
  const script = `
import json, smtplib, sys
port, rcpts, subject = int(sys.argv[1]), sys.argv[2].split(','), sys.argv[3]
msg = 'From: sender@example.net\\r\\nSubject: ' + subject + '\\r\\n\\r\\nHello from smtplib.\\r\\n.leading dot\\r\\n'
out = []
with smtplib.SMTP('127.0.0.1', port, local_hostname='pyclient.test', timeout=20) as s:
    pending = rcpts
    while pending:
        t = {'accepted': [], 'refused': {}}
        try:
            refused = s.sendmail('sender@example.net', pending, msg)
        except smtplib.SMTPRecipientsRefused as e:
            refused = e.recipients
        except smtplib.SMTPDataError as e:
            refused = {}
            t['error'] = '%d %s' % (e.smtp_code, e.smtp_error.decode())
        t['refused'] = {r: c for r, (c, _) in refused.items()}
        t['accepted'] = [r for r in pending if r not in refused]
        out.append(t)
        retry = [r for r, c in t['refused'].items() if c == 452]
        if not retry or retry == pending or 'error' in t:
            break
        pending = retry
print(json.dumps({'transactions': out}))
`;
  const { stdout } = await run('python3', ['-c', script, String(port), recipients.join(','), subject]);
  return JSON.parse(stdout) as PythonResult;
}

/** swaks' exit code and transcript (it exits non-zero when the server refuses something). */
export async function swaks(
  port: number,
  args: readonly string[],
): Promise<{ code: number; output: string }> {
  try {
    const { stdout } = await run(
      'swaks',
      ['--server', `127.0.0.1:${port}`, '--helo', 'swaks.test', '--from', 'sender@example.net', ...args],
      { timeout: 30_000 },
    );
    return { code: 0, output: stdout };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** Messages whose Subject is `subject`, per mailbox, on one Postfix. */
export async function delivered(mx: PostfixInstance, subject: string): Promise<string[]> {
  return (await mx.deliveries())
    .filter((d) => d.content.includes(`Subject: ${subject}\n`))
    .map((d) => d.mailbox);
}

/** A raw SMTP client (for faults that need control over timing): one reply per read(). */
export class RawClient {
  readonly #socket: import('node:net').Socket;
  readonly #parser = new ReplyParser();
  readonly #replies: SmtpReply[] = [];
  readonly #waiters: ((r: SmtpReply | undefined) => void)[] = [];

  private constructor(socket: import('node:net').Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => {
      for (const r of this.#parser.push(chunk)) {
        const w = this.#waiters.shift();
        if (w) w(r);
        else this.#replies.push(r);
      }
    });
    socket.on('close', () => {
      for (const w of this.#waiters.splice(0)) w(undefined);
    });
    socket.on('error', () => {});
  }

  /** Connects and reads the greeting; `preamble` (a PROXY header) goes first. */
  static async connect(port: number, preamble?: Buffer): Promise<RawClient> {
    const { connect } = await import('node:net');
    const socket = connect({ host: '127.0.0.1', port, noDelay: true });
    await once(socket, 'connect');
    if (preamble !== undefined) socket.write(preamble);
    const client = new RawClient(socket);
    await client.read();
    return client;
  }

  read(): Promise<SmtpReply | undefined> {
    const r = this.#replies.shift();
    if (r) return Promise.resolve(r);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Writes, waiting for the socket to take it (large message parts). */
  async write(data: string | Buffer): Promise<void> {
    if (!this.#socket.write(data)) await once(this.#socket, 'drain');
  }

  async command(line: string): Promise<SmtpReply | undefined> {
    await this.write(`${line}\r\n`);
    return this.read();
  }

  close(): void {
    this.#socket.destroy();
  }
}
