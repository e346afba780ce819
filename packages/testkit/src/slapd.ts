import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Daemon } from './daemon.js';
import { freePort } from './ports.js';
import { tempDir } from './temp-dir.js';

const run = promisify(execFile);
const SCHEMA_DIR = '/etc/ldap/schema';
const MODULE_DIR = '/usr/lib/ldap';

export interface SlapdOptions {
  /** Default `dc=example,dc=org`. A `dc=` suffix entry is added when the LDIF lacks one. */
  readonly suffix?: string | undefined;
  /** Default `cn=admin,<suffix>`. */
  readonly rootDN?: string | undefined;
  /** Default `secret`. */
  readonly rootPassword?: string | undefined;
  /** The entries to load with slapadd (see demoUsersLdif()). */
  readonly ldif: string;
  /** Default: a free port on 127.0.0.1. */
  readonly port?: number | undefined;
}

/** A throwaway slapd on 127.0.0.1 with its own config and mdb database in a temp dir. */
export interface SlapdInstance {
  /** `ldap://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  readonly suffix: string;
  readonly rootDN: string;
  readonly rootPassword: string;
  /** The temp dir holding slapd.conf, data.ldif, the database and the pid file. */
  readonly dir: string;
  /** True while slapd runs. */
  readonly running: boolean;
  /** Stops slapd, keeping the database, so a test can see the directory go away (and come back). */
  halt(): Promise<void>;
  /** Starts slapd again on the same port with the same data (after halt()). */
  resume(): Promise<void>;
  /** Stops slapd and removes the temp dir. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts OpenLDAP's slapd from Debian's package as a throwaway test
 * instance (never the system one): slapd.conf with the core, cosine,
 * inetorgperson and misc schemas and back_mdb, data loaded with slapadd,
 * then `slapd -h ldap://127.0.0.1:PORT/`, which forks and leaves a pid file.
 * Works as root: slapd keeps running as the invoking user.
 */
export async function startSlapd(options: SlapdOptions): Promise<SlapdInstance> {
  const suffix = options.suffix ?? 'dc=example,dc=org';
  const rootDN = options.rootDN ?? `cn=admin,${suffix}`;
  const rootPassword = options.rootPassword ?? 'secret';
  const dir = await tempDir('lvs7-slapd-');
  try {
    const conf = join(dir.path, 'slapd.conf');
    const pidFile = join(dir.path, 'slapd.pid');
    await mkdir(join(dir.path, 'data'));
    await writeFile(conf, slapdConf({ suffix, rootDN, rootPassword, dir: dir.path, pidFile }), {
      mode: 0o600,
    });
    const ldifFile = join(dir.path, 'data.ldif');
    await writeFile(ldifFile, withSuffixEntry(options.ldif, suffix));
    await slapadd(conf, ldifFile);
    const port = options.port ?? (await freePort());
    const url = `ldap://127.0.0.1:${port}`;
    const newDaemon = () =>
      new Daemon({
        name: 'slapd',
        command: 'slapd',
        args: ['-f', conf, '-h', `${url}/`],
        env: { ...process.env, PATH: withSbin() },
        readyPort: port,
        pidFile,
      });
    let daemon: Daemon | undefined = await newDaemon().start();
    let removed = false;
    const halt = async () => {
      const running = daemon;
      daemon = undefined;
      await running?.stop();
    };
    return {
      url,
      port,
      suffix,
      rootDN,
      rootPassword,
      dir: dir.path,
      get running() {
        return daemon !== undefined;
      },
      halt,
      async resume() {
        if (removed) throw new Error('slapd: resume() after stop()');
        daemon ??= await newDaemon().start();
      },
      async stop() {
        await halt();
        removed = true;
        await dir.remove();
      },
    };
  } catch (err) {
    await dir.remove();
    throw err;
  }
}

interface ConfParams {
  readonly suffix: string;
  readonly rootDN: string;
  readonly rootPassword: string;
  readonly dir: string;
  readonly pidFile: string;
}

function slapdConf(p: ConfParams): string {
  const schemas = ['core', 'cosine', 'inetorgperson', 'misc'];
  return [
    ...schemas.map((s) => `include ${SCHEMA_DIR}/${s}.schema`),
    `pidfile ${p.pidFile}`,
    `argsfile ${join(p.dir, 'slapd.args')}`,
    `modulepath ${MODULE_DIR}`,
    'moduleload back_mdb',
    // Like a production directory: userPassword is only usable for binds.
    'access to attrs=userPassword by self read by anonymous auth by * none',
    'access to * by * read',
    'database mdb',
    'maxsize 16777216',
    `suffix "${p.suffix}"`,
    `rootdn "${p.rootDN}"`,
    `rootpw ${p.rootPassword}`,
    `directory ${join(p.dir, 'data')}`,
    'index objectClass eq',
    'index uid,mail,mailLocalAddress eq',
    '',
  ].join('\n');
}

async function slapadd(conf: string, ldifFile: string): Promise<void> {
  try {
    await run('slapadd', ['-f', conf, '-l', ldifFile], { env: { ...process.env, PATH: withSbin() } });
  } catch (err) {
    const e = err as { stderr?: string; code?: string | number };
    if (e.code === 'ENOENT') throw new Error('slapd: slapadd is not installed (apt-get install slapd)');
    throw new Error(`slapd: slapadd failed: ${e.stderr ?? String(err)}`);
  }
}

function withSbin(): string {
  return `${process.env.PATH ?? ''}:/usr/sbin:/sbin`;
}

/** Prepends a `dc=` suffix entry unless the LDIF has one (slapadd needs every parent). */
function withSuffixEntry(ldif: string, suffix: string): string {
  const hasSuffix = new RegExp(`^dn:\\s*${escapeRegExp(suffix)}\\s*$`, 'im').test(ldif);
  const dc = /^dc=([^,]+)/i.exec(suffix);
  if (hasSuffix || !dc) return ldif;
  const entry = `dn: ${suffix}\nobjectClass: dcObject\nobjectClass: organization\ndc: ${dc[1]}\no: ${dc[1]}\n\n`;
  return entry + ldif;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A person for demoUsersLdif(): inetOrgPerson + inetLocalMailRecipient. */
export interface LdifUser {
  readonly uid: string;
  readonly cn?: string | undefined;
  readonly mail?: string | undefined;
  readonly mailLocalAddress?: readonly string[] | undefined;
  readonly mailHost?: string | undefined;
  readonly mailRoutingAddress?: string | undefined;
  /** Cleartext, or `{SSHA}…` as stored. */
  readonly userPassword?: string | undefined;
}

/** alice and bob on two hosts with aliases, carol without mailHost, dave with mailRoutingAddress. */
export const DEMO_USERS: readonly LdifUser[] = [
  {
    uid: 'alice',
    cn: 'Alice Smith',
    mail: 'alice@example.org',
    mailLocalAddress: ['a.smith@example.org', 'postmaster@example.org'],
    mailHost: 'imap1.example.org',
    userPassword: 'alice-secret',
  },
  {
    uid: 'bob',
    cn: 'Bob Jones',
    mail: 'Bob@Example.org',
    mailLocalAddress: ['robert@example.org'],
    mailHost: 'imap2.example.org',
    userPassword: 'bob-secret',
  },
  { uid: 'carol', cn: 'Carol White', mail: 'carol@example.org', userPassword: 'carol-secret' },
  {
    uid: 'dave',
    cn: 'Dave Brown',
    mail: 'dave@example.org',
    mailHost: 'mx.example.net',
    mailRoutingAddress: 'dave@elsewhere.example.net',
    userPassword: 'dave-secret',
  },
];

export interface DemoLdifOptions {
  /** Default `dc=example,dc=org`. */
  readonly suffix?: string | undefined;
  /** The organizational unit holding the users; default `people`. */
  readonly ou?: string | undefined;
}

/** LDIF for slapadd or a file directory: the suffix (dc=…), ou=<ou>, then one entry per user. */
export function demoUsersLdif(
  users: readonly LdifUser[] = DEMO_USERS,
  options: DemoLdifOptions = {},
): string {
  const suffix = options.suffix ?? 'dc=example,dc=org';
  const ou = options.ou ?? 'people';
  const base = withSuffixEntry('', suffix);
  const unit = `dn: ou=${ou},${suffix}\nobjectClass: organizationalUnit\nou: ${ou}\n\n`;
  return base + unit + users.map((u) => userEntry(u, `ou=${ou},${suffix}`)).join('\n');
}

function userEntry(user: LdifUser, parent: string): string {
  const cn = user.cn ?? user.uid;
  const lines = [
    `dn: uid=${user.uid},${parent}`,
    'objectClass: inetOrgPerson',
    'objectClass: inetLocalMailRecipient',
    `uid: ${user.uid}`,
    `cn: ${cn}`,
    `sn: ${cn.split(' ').at(-1)}`,
  ];
  if (user.mail) lines.push(`mail: ${user.mail}`);
  for (const alias of user.mailLocalAddress ?? []) lines.push(`mailLocalAddress: ${alias}`);
  if (user.mailHost) lines.push(`mailHost: ${user.mailHost}`);
  if (user.mailRoutingAddress) lines.push(`mailRoutingAddress: ${user.mailRoutingAddress}`);
  if (user.userPassword) lines.push(`userPassword:: ${Buffer.from(user.userPassword).toString('base64')}`);
  return `${lines.join('\n')}\n`;
}
