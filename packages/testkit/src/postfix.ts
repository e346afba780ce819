import { execFile } from 'node:child_process';
import { chmod, chown, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Daemon } from './daemon.js';
import { freePort, waitForPort } from './ports.js';
import { tempDir } from './temp-dir.js';

const run = promisify(execFile);
const SBIN_PATH = `${process.env.PATH ?? ''}:/usr/sbin:/sbin`;

export interface PostfixOptions {
  /** Names the instance: `myhostname` is `<name>.test`, and the greeting ends with it. */
  readonly name: string;
  /** Default: a free port on 127.0.0.1. */
  readonly port?: number | undefined;
  /** Domains delivered into Maildirs (virtual_mailbox_domains); default `['example.org']`. */
  readonly domains?: readonly string[] | undefined;
  /**
   * Addresses with a mailbox (others get 550 5.1.1 at RCPT). Default: any
   * address of `domains`, all into one `<domain>/catchall/` Maildir.
   */
  readonly mailboxes?: readonly string[] | undefined;
  /** `host:port` that mail for other domains is relayed to (relayhost); default: discarded. */
  readonly relay?: string | undefined;
  /** Maildir root (`<root>/<domain>/<local part>/new/…`); default `<dir>/maildir`. */
  readonly mailboxDir?: string | undefined;
  /** smtpd_authorized_xclient_hosts; default `127.0.0.0/8`, '' for none. */
  readonly xclientHosts?: string | undefined;
  /** smtpd_authorized_xforward_hosts; default none. */
  readonly xforwardHosts?: string | undefined;
  /** Expect a PROXY header (smtpd_upstream_proxy_protocol = haproxy). */
  readonly proxyProtocol?: boolean | undefined;
  /** More main.cf settings. */
  readonly mainCf?: Readonly<Record<string, string>> | undefined;
}

/** One delivered message, read from a Maildir. */
export interface PostfixDelivery {
  /** `local@domain` of the Maildir (the mailbox, not necessarily the envelope recipient). */
  readonly mailbox: string;
  readonly file: string;
  readonly content: string;
}

/** A throwaway Postfix on 127.0.0.1 (see startPostfix). */
export interface PostfixInstance {
  readonly name: string;
  readonly port: number;
  /** `127.0.0.1:<port>`, for a pool's server address. */
  readonly address: string;
  /** The temp dir holding conf/, queue/, data/, the log and (by default) maildir/. */
  readonly dir: string;
  readonly mailboxDir: string;
  /** True while the master process runs. */
  readonly running: boolean;
  /** Every message delivered so far, in every Maildir. */
  deliveries(): Promise<PostfixDelivery[]>;
  /** Messages in one mailbox. */
  messages(mailbox: string): Promise<PostfixDelivery[]>;
  /** The instance's mail log. */
  log(): Promise<string>;
  /** SIGKILLs this instance's smtpd processes (a backend dying mid-session); resolves with how many. */
  killSmtpd(): Promise<number>;
  /** Stops Postfix, keeping its files, so a test can see the backend go away (and come back). */
  halt(): Promise<void>;
  /** Starts it again on the same port (after halt()). */
  resume(): Promise<void>;
  /** Stops Postfix and removes the temp dir. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts a throwaway Postfix from Debian's package (never the system one):
 * its own config_directory, queue_directory and data_directory in a temp
 * dir, one smtpd on 127.0.0.1:PORT, virtual delivery into Maildirs the test
 * can read, XCLIENT allowed from loopback. Started with `postfix -c DIR
 * start`, stopped with `postfix -c DIR stop`. Needs root (Postfix does).
 */
export async function startPostfix(options: PostfixOptions): Promise<PostfixInstance> {
  const dir = await tempDir(`lvs7-postfix-${options.name}-`);
  try {
    // Postfix's unprivileged processes must reach the queue and the Maildirs.
    await chmod(dir.path, 0o755);
    const { uid, gid } = await postfixIds();
    const conf = join(dir.path, 'conf');
    const mailboxDir = options.mailboxDir ?? join(dir.path, 'maildir');
    for (const sub of ['conf', 'queue']) await mkdir(join(dir.path, sub));
    for (const owned of [join(dir.path, 'data'), mailboxDir]) {
      await mkdir(owned, { recursive: true });
      await chown(owned, uid, gid);
    }
    const port = options.port ?? (await freePort());
    await writeFile(join(conf, 'main.cf'), mainCf(options, dir.path, mailboxDir, uid, gid));
    await writeFile(join(conf, 'master.cf'), masterCf(port));
    await writeFile(join(conf, 'vmailbox'), mailboxMap(options));
    let running = false;
    const postfix = (command: string) =>
      run('postfix', ['-c', conf, command], { env: { ...process.env, PATH: SBIN_PATH } });
    const start = async () => {
      await postfix('start').catch((err: { stderr?: string }) => {
        throw new Error(`postfix ${options.name}: start failed: ${err.stderr ?? String(err)}`);
      });
      running = true;
      await waitForPort(port, '127.0.0.1', 15_000);
    };
    const halt = async () => {
      if (!running) return;
      running = false;
      const master = await masterPid(dir.path);
      await postfix('stop').catch(() => undefined);
      if (master !== undefined) await waitForExit(master, 10_000);
    };
    await start();
    const instance: PostfixInstance = {
      name: options.name,
      port,
      address: `127.0.0.1:${port}`,
      dir: dir.path,
      mailboxDir,
      get running() {
        return running;
      },
      deliveries: () => readMaildirs(mailboxDir),
      messages: async (mailbox) =>
        (await readMaildirs(mailboxDir)).filter((d) => d.mailbox === mailbox.toLowerCase()),
      log: () => readFile(join(dir.path, 'postfix.log'), 'utf8').catch(() => ''),
      killSmtpd: async () => killChildren(await masterPid(dir.path), 'smtpd'),
      halt,
      resume: async () => {
        if (!running) await start();
      },
      stop: async () => {
        await halt();
        await dir.remove();
      },
    };
    return instance;
  } catch (err) {
    await dir.remove();
    throw err;
  }
}

function mainCf(options: PostfixOptions, dir: string, mailboxDir: string, uid: number, gid: number): string {
  const settings: Record<string, string> = {
    compatibility_level: '3.6',
    queue_directory: join(dir, 'queue'),
    data_directory: join(dir, 'data'),
    mail_owner: 'postfix',
    setgid_group: 'postdrop',
    inet_interfaces: 'loopback-only',
    inet_protocols: 'ipv4',
    myhostname: `${options.name}.test`,
    mydomain: 'test',
    mydestination: '',
    local_recipient_maps: '',
    alias_maps: '',
    alias_database: '',
    mynetworks: '127.0.0.0/8',
    smtpd_banner: `$myhostname ESMTP ${options.name}`,
    virtual_mailbox_domains: (options.domains ?? ['example.org']).join(' '),
    virtual_mailbox_base: mailboxDir,
    virtual_mailbox_maps: `texthash:${join(dir, 'conf', 'vmailbox')}`,
    virtual_uid_maps: `static:${uid}`,
    virtual_gid_maps: `static:${gid}`,
    virtual_minimum_uid: '1',
    smtpd_authorized_xclient_hosts: options.xclientHosts ?? '127.0.0.0/8',
    smtpd_authorized_xforward_hosts: options.xforwardHosts ?? '',
    maillog_file: join(dir, 'postfix.log'),
    maillog_file_prefixes: dir,
    biff: 'no',
    // A test that kills smtpd (killSmtpd) should not make master wait the default 60 s before the next one.
    service_throttle_time: '1s',
    smtp_dns_support_level: 'disabled',
    ...(options.relay === undefined
      ? { default_transport: 'discard' }
      : { relayhost: `[${options.relay.replace(/:(\d+)$/, ']:$1')}` }),
    ...(options.proxyProtocol ? { smtpd_upstream_proxy_protocol: 'haproxy' } : {}),
    ...options.mainCf,
  };
  return `${Object.entries(settings)
    .map(([k, v]) => `${k} = ${v}`)
    .join('\n')}\n`;
}

/** One smtpd on the test port; every other service as Debian ships it, without chroot. */
function masterCf(port: number): string {
  return `127.0.0.1:${port} inet n - n - - smtpd
pickup    unix  n  -  n  60    1  pickup
cleanup   unix  n  -  n  -     0  cleanup
qmgr      unix  n  -  n  300   1  qmgr
rewrite   unix  -  -  n  -     -  trivial-rewrite
bounce    unix  -  -  n  -     0  bounce
defer     unix  -  -  n  -     0  bounce
trace     unix  -  -  n  -     0  bounce
verify    unix  -  -  n  -     1  verify
flush     unix  n  -  n  1000? 0  flush
proxymap  unix  -  -  n  -     -  proxymap
smtp      unix  -  -  n  -     -  smtp
relay     unix  -  -  n  -     -  smtp
showq     unix  n  -  n  -     -  showq
error     unix  -  -  n  -     -  error
retry     unix  -  -  n  -     -  error
discard   unix  -  -  n  -     -  discard
local     unix  -  n  n  -     -  local
virtual   unix  -  n  n  -     -  virtual
lmtp      unix  -  -  n  -     -  lmtp
anvil     unix  -  -  n  -     1  anvil
scache    unix  -  -  n  -     1  scache
postlog   unix-dgram n - n - 1 postlogd
`;
}

/** virtual_mailbox_maps: `address domain/local/` per mailbox, or a per-domain catch-all. */
function mailboxMap(options: PostfixOptions): string {
  if (options.mailboxes === undefined) {
    return (options.domains ?? ['example.org']).map((d) => `@${d} ${d}/catchall/\n`).join('');
  }
  return options.mailboxes
    .map((address) => {
      const [local, domain] = address.toLowerCase().split('@') as [string, string];
      return `${address.toLowerCase()} ${domain}/${local}/\n`;
    })
    .join('');
}

async function postfixIds(): Promise<{ uid: number; gid: number }> {
  const passwd = await readFile('/etc/passwd', 'utf8');
  const line = passwd.split('\n').find((l) => l.startsWith('postfix:'));
  if (line === undefined) throw new Error('postfix is not installed (no postfix user)');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

async function readMaildirs(root: string): Promise<PostfixDelivery[]> {
  const out: PostfixDelivery[] = [];
  for (const domain of await list(root)) {
    for (const local of await list(join(root, domain))) {
      for (const sub of ['new', 'cur']) {
        const folder = join(root, domain, local, sub);
        for (const file of await list(folder)) {
          out.push({
            mailbox: `${local}@${domain}`,
            file: join(folder, file),
            content: await readFile(join(folder, file), 'utf8'),
          });
        }
      }
    }
  }
  return out;
}

async function list(path: string): Promise<string[]> {
  return (await readdir(path).catch(() => [] as string[])).sort();
}

async function masterPid(dir: string): Promise<number | undefined> {
  const text = await readFile(join(dir, 'queue', 'pid', 'master.pid'), 'utf8').catch(() => '');
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** SIGKILLs the children of `parent` whose command is `name` (read from /proc). */
async function killChildren(parent: number | undefined, name: string): Promise<number> {
  if (parent === undefined) return 0;
  let killed = 0;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const m = /^\d+ \((.*)\) \S (\d+)/.exec(stat);
    if (m === null || m[1] !== name || Number(m[2]) !== parent) continue;
    try {
      process.kill(Number(entry), 'SIGKILL');
      killed++;
    } catch {
      // already gone
    }
  }
  return killed;
}

async function waitForExit(pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface SmtpSinkOptions {
  /** Default: a free port on 127.0.0.1. */
  readonly port?: number | undefined;
  /** Speak LMTP (one reply per recipient after the final dot). */
  readonly lmtp?: boolean | undefined;
  /** More smtp-sink flags (see smtp-sink(1)), e.g. `['-r', 'RCPT']`. */
  readonly args?: readonly string[] | undefined;
}

export interface SmtpSinkInstance {
  readonly port: number;
  readonly address: string;
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

/** Postfix's smtp-sink: accepts and discards everything, as fast as it can (benchmarks, fault tests). */
export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSinkInstance> {
  const port = options.port ?? (await freePort());
  const args = [
    ...(options.lmtp ? ['-L'] : []),
    ...(process.getuid?.() === 0 ? ['-u', 'postfix'] : []),
    ...(options.args ?? []),
  ];
  const daemon = await new Daemon({
    name: 'smtp-sink',
    command: '/usr/sbin/smtp-sink',
    args: [...args, `127.0.0.1:${port}`, '1024'],
    readyPort: port,
  }).start();
  return { port, address: `127.0.0.1:${port}`, pid: daemon.pid, stop: () => daemon.stop() };
}
