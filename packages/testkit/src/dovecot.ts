import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Daemon } from './daemon.js';
import { freePort, waitForPort } from './ports.js';
import { tempDir } from './temp-dir.js';

const run = promisify(execFile);

export interface DovecotUser {
  readonly user: string;
  /** Cleartext; written as {PLAIN}. */
  readonly password: string;
}

export interface DovecotOptions {
  /** The instance's identity: in its greeting, POP3/IMAP banners and IMAP ID "name". */
  readonly name: string;
  /** The shared Maildir root (several instances, and lvs7 mail nodes, may share one). */
  readonly mailRoot: string;
  /**
   * Where a user's Maildir is under mailRoot, in Dovecot variables: `%u`
   * (default), `%d/%n` for lvs7's default `{root}/{domain}/{local}`.
   */
  readonly mailTemplate?: string | undefined;
  /** Users for a passwd-file passdb written into the temp dir… */
  readonly users?: readonly DovecotUser[] | undefined;
  /** …or an existing passwd-file (`user:{PLAIN}secret::::::`). */
  readonly passdbFile?: string | undefined;
  /** Which services to run (default: IMAP only). */
  readonly imap?: boolean | undefined;
  readonly pop3?: boolean | undefined;
  readonly lmtp?: boolean | undefined;
  /** Fixed ports (e.g. to restart on the same port); default free ports. */
  readonly ports?: { readonly imap?: number; readonly pop3?: number; readonly lmtp?: number } | undefined;
  /** `login_trusted_networks`: where ID x-originating-ip / XCLIENT are believed. */
  readonly trustedNetworks?: readonly string[] | undefined;
  /** System user owning the mail (static userdb). Default `mail`. */
  readonly mailUser?: string | undefined;
  /**
   * Dovecot's index files: `memory` (default; nothing but Maildir files on
   * the shared storage) or `disk` (in each Maildir, as in production).
   */
  readonly indexes?: 'memory' | 'disk' | undefined;
  /** IMAP hierarchy separator. Default `/` (as lvs7's mail node). */
  readonly separator?: string | undefined;
  /** More dovecot.conf text, appended verbatim. */
  readonly extraConfig?: string | undefined;
}

/** A throwaway Dovecot on 127.0.0.1 (never the system instance). */
export interface DovecotInstance {
  readonly name: string;
  /** The master process (e.g. to pin it to a CPU in a benchmark). */
  readonly pid: number | undefined;
  /** 0 for services not started. */
  readonly imapPort: number;
  readonly pop3Port: number;
  readonly lmtpPort: number;
  /** The temp dir with dovecot.conf, passwd, base_dir, state_dir and the log. */
  readonly dir: string;
  readonly logPath: string;
  /** What Dovecot logged so far (for failure messages). */
  log(): Promise<string>;
  /** Stops Dovecot and removes the temp dir (the mail root stays). Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts Dovecot 2.3 from Debian's packages with its own config, base_dir,
 * state_dir and log in a temp dir and a distinct instance_name: plaintext
 * auth allowed, no TLS, passwd-file passdb, static userdb (uid `mail`),
 * `mail_location = maildir:<mailRoot>/<template>` with the NFS-safe settings
 * (mmap_disable, mail_fsync = always). When run as root, the mail root is
 * handed to the mail user first (chownMailTree), as Dovecot never writes mail as root.
 */
export async function startDovecot(options: DovecotOptions): Promise<DovecotInstance> {
  if (!existsSync('/usr/sbin/dovecot'))
    throw new Error('dovecot is not installed (run scripts/install-test-deps.sh)');
  const dir = await tempDir('lvs7-dovecot-');
  try {
    // Dovecot's unprivileged auth and login processes must reach the passwd file.
    await chmod(dir.path, 0o755);
    const want = { imap: options.imap ?? true, pop3: options.pop3 ?? false, lmtp: options.lmtp ?? false };
    const ports = {
      imap: want.imap ? (options.ports?.imap ?? (await freePort())) : 0,
      pop3: want.pop3 ? (options.ports?.pop3 ?? (await freePort())) : 0,
      lmtp: want.lmtp ? (options.ports?.lmtp ?? (await freePort())) : 0,
    };
    const mailUser = options.mailUser ?? 'mail';
    const passdb = options.passdbFile ?? join(dir.path, 'passwd');
    if (!options.passdbFile) {
      const lines = (options.users ?? []).map((u) => `${u.user}:{PLAIN}${u.password}::::::\n`).join('');
      await writeFile(passdb, lines, { mode: 0o644 });
    }
    await mkdir(join(dir.path, 'state'), { recursive: true });
    await mkdir(options.mailRoot, { recursive: true });
    if (process.getuid?.() === 0) await chownMailTree(options.mailRoot, mailUser);
    const conf = join(dir.path, 'dovecot.conf');
    const logPath = join(dir.path, 'dovecot.log');
    await writeFile(conf, dovecotConf({ ...options, dir: dir.path, passdb, ports, logPath, mailUser }));
    const daemon = new Daemon({
      name: `dovecot ${options.name}`,
      command: '/usr/sbin/dovecot',
      args: ['-F', '-c', conf],
      readyPort: ports.imap || ports.pop3 || ports.lmtp,
    });
    try {
      await daemon.start();
      for (const port of [ports.imap, ports.pop3, ports.lmtp]) if (port) await waitForPort(port);
    } catch (error) {
      const log = await readFile(logPath, 'utf8').catch(() => '');
      await daemon.stop();
      throw new Error(`${(error as Error).message}\n${log}`);
    }
    let stopped = false;
    return {
      name: options.name,
      pid: daemon.pid,
      imapPort: ports.imap,
      pop3Port: ports.pop3,
      lmtpPort: ports.lmtp,
      dir: dir.path,
      logPath,
      log: () => readFile(logPath, 'utf8').catch(() => ''),
      async stop() {
        if (stopped) return;
        stopped = true;
        await daemon.stop();
        await dir.remove();
      },
    };
  } catch (error) {
    await dir.remove();
    throw error;
  }
}

/**
 * Gives a mail tree to the mail user (recursively), so Dovecot can write
 * what an lvs7 node running as root created. Call again after root wrote more.
 */
export async function chownMailTree(path: string, user = 'mail'): Promise<void> {
  const { stdout } = await run('id', ['-u', user]);
  const { stdout: group } = await run('id', ['-g', user]);
  const uid = Number(stdout.trim());
  const gid = Number(group.trim());
  const walk = async (p: string): Promise<void> => {
    await chown(p, uid, gid).catch(() => {});
    const entries = await readdir(p, { withFileTypes: true }).catch(() => []);
    await Promise.all(
      entries.map((e) =>
        e.isDirectory() ? walk(join(p, e.name)) : chown(join(p, e.name), uid, gid).catch(() => {}),
      ),
    );
  };
  await walk(path);
}

interface ConfInput extends DovecotOptions {
  readonly dir: string;
  readonly passdb: string;
  readonly logPath: string;
  readonly mailUser: string;
  readonly ports: { imap: number; pop3: number; lmtp: number };
}

function dovecotConf(o: ConfInput): string {
  const template = o.mailTemplate ?? '%u';
  const index = (o.indexes ?? 'memory') === 'memory' ? ':INDEX=MEMORY' : '';
  const protocols = [o.ports.imap && 'imap', o.ports.pop3 && 'pop3', o.ports.lmtp && 'lmtp'].filter(Boolean);
  const instance = `lvs7-${o.name.replace(/[^A-Za-z0-9.-]/g, '_')}-${Math.random().toString(36).slice(2, 8)}`;
  const quoted = (s: string) => `"${s.replace(/["\\]/g, '\\$&')}"`;
  return `# lvs7 testkit: throwaway Dovecot "${o.name}"
instance_name = ${instance}
base_dir = ${o.dir}/run
state_dir = ${o.dir}/state
log_path = ${o.logPath}
listen = 127.0.0.1
protocols = ${protocols.join(' ') || 'none'}
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
login_greeting = ${o.name} ready.
imap_id_send = name ${quoted(o.name)}
${o.trustedNetworks?.length ? `login_trusted_networks = ${o.trustedNetworks.join(' ')}` : ''}
mail_location = maildir:${o.mailRoot}/${template}${index}
mail_uid = ${o.mailUser}
mail_gid = ${o.mailUser}
first_valid_uid = 1
mmap_disable = yes
mail_fsync = always
pop3_uidl_format = %08Xu%08Xv
namespace inbox {
  inbox = yes
  separator = ${o.separator ?? '/'}
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${o.passdb}
}
userdb {
  driver = static
  args = uid=${o.mailUser} gid=${o.mailUser} home=${o.mailRoot}/${template}
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${o.ports.imap}
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = ${o.ports.pop3}
  }
  inet_listener pop3s {
    port = 0
  }
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = ${o.ports.lmtp}
  }
}
${existsSync('/usr/lib/dovecot/submission-login') ? 'service submission-login {\n  inet_listener submission {\n    port = 0\n  }\n}\n' : ''}${o.extraConfig ?? ''}
`;
}
