import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { chown, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Daemon } from './daemon.js';
import { freePort } from './ports.js';
import { tempDir } from './temp-dir.js';
import { waitFor } from './wait-for.js';

const run = promisify(execFile);

/** A `cache_peer` line: another cache Squid talks ICP to and fetches from over HTTP. */
export interface SquidPeer {
  readonly host: string;
  readonly httpPort: number;
  readonly icpPort: number;
  readonly type: 'sibling' | 'parent';
  /** Extra cache_peer options (default `no-digest no-netdb-exchange`). */
  readonly options?: string | undefined;
}

export interface SquidOptions {
  /** Default: a free port. */
  readonly httpPort?: number | undefined;
  /** Default: a free UDP port. */
  readonly icpPort?: number | undefined;
  readonly peers?: readonly SquidPeer[] | undefined;
  /** Appended to the generated squid.conf (last one wins for most directives). */
  readonly extraConfig?: string | undefined;
  readonly readyTimeoutMs?: number | undefined;
}

export interface SquidInstance {
  readonly httpPort: number;
  readonly icpPort: number;
  /**
   * Squid sends its own ICP queries (to its cache_peers) from this address
   * (`udp_outgoing_address`, port icpPort); it answers a query from the
   * address the query was sent to.
   */
  readonly icpSourceHost: string;
  /** The temp dir with squid.conf, logs and the pid file. */
  readonly dir: string;
  accessLog(): Promise<string>;
  cacheLog(): Promise<string>;
  stop(): Promise<void>;
}

/** Squid's own outgoing ICP address: still loopback, but not the test's 127.0.0.1. */
const OUTGOING_ADDRESS = '127.0.0.2';

/**
 * Starts a throwaway Squid (Debian's /usr/sbin/squid) with a memory-only cache
 * on 127.0.0.1, configured in a temp dir owned by proxy:proxy, never the
 * system instance. It runs in the foreground (-N) and stop() ends it.
 *
 * Squid ignores ICP queries that come from its own outgoing UDP address
 * (addresses compared, not ports), so it sends ICP from 127.0.0.2 and a test
 * client on 127.0.0.1 is not mistaken for Squid itself.
 */
export async function startSquid(options: SquidOptions = {}): Promise<SquidInstance> {
  const httpPort = options.httpPort ?? (await freePort());
  const icpPort = options.icpPort ?? (await freeUdpPort());
  const dir = await tempDir('lvs7-squid-');
  const conf = join(dir.path, 'squid.conf');
  await writeFile(conf, squidConfig(dir.path, httpPort, icpPort, options));
  if (process.getuid?.() === 0) {
    // As root, Squid drops to its cache_effective_user (proxy), which must own its logs.
    const { uid, gid } = await proxyUser();
    await chown(dir.path, uid, gid);
  }
  try {
    await run('squid', ['-k', 'parse', '-f', conf]);
  } catch (error) {
    await dir.remove();
    const stderr = (error as { stderr?: string }).stderr ?? String(error);
    throw new Error(`squid -k parse rejected ${conf}:\n${stderr}`);
  }
  const daemon = new Daemon({
    name: 'squid',
    command: 'squid',
    // -N: foreground, no kid processes; -d1: startup messages on stderr for failure reports.
    args: ['-N', '-d1', '-f', conf],
    readyPort: httpPort,
    readyTimeoutMs: options.readyTimeoutMs ?? 20_000,
  });
  const cacheLog = () => readFile(join(dir.path, 'cache.log'), 'utf8').catch(() => '');
  try {
    await daemon.start();
    // HTTP accepting does not mean the ICP socket is open yet.
    await waitFor(async () => (await cacheLog()).includes('Accepting ICP messages'), {
      timeoutMs: 10_000,
      message: 'squid to open its ICP port',
    });
  } catch (error) {
    await daemon.stop();
    const log = await cacheLog();
    await dir.remove();
    throw new Error(`${(error as Error).message}\ncache.log:\n${log}`, { cause: error });
  }
  return {
    httpPort,
    icpPort,
    icpSourceHost: OUTGOING_ADDRESS,
    dir: dir.path,
    accessLog: () => readFile(join(dir.path, 'access.log'), 'utf8').catch(() => ''),
    cacheLog,
    async stop() {
      await daemon.stop();
      await dir.remove();
    },
  };
}

function squidConfig(dir: string, httpPort: number, icpPort: number, options: SquidOptions): string {
  const peers = (options.peers ?? []).map(
    (p) =>
      `cache_peer ${p.host} ${p.type} ${p.httpPort} ${p.icpPort} ${p.options ?? 'no-digest no-netdb-exchange'}`,
  );
  return [
    `http_port 127.0.0.1:${httpPort}`,
    `icp_port ${icpPort}`,
    'udp_incoming_address 0.0.0.0',
    `udp_outgoing_address ${OUTGOING_ADDRESS}`,
    'htcp_port 0',
    'snmp_port 0',
    'workers 1',
    'pinger_enable off',
    'cache_mem 16 MB',
    'maximum_object_size_in_memory 1 MB',
    'memory_cache_mode always',
    `pid_filename ${join(dir, 'squid.pid')}`,
    `cache_log ${join(dir, 'cache.log')}`,
    `access_log stdio:${join(dir, 'access.log')} squid`,
    'cache_store_log none',
    `coredump_dir ${dir}`,
    'netdb_filename none',
    'logfile_rotate 0',
    'shutdown_lifetime 0 seconds',
    'visible_hostname lvs7-test-squid',
    'http_access allow localhost',
    'http_access deny all',
    'icp_access allow localhost',
    'icp_access deny all',
    'log_icp_queries on',
    // Everything runs on loopback: Squid's dynamic ICP timeout (twice the
    // peers' average RTT, 5 ms at first) can expire before a busy test peer
    // answers, and its netdb soon finds the origin "close enough" to skip the
    // peers (minimum_direct_rtt). A fixed timeout and no RTT shortcut keep the
    // hierarchy deterministic.
    'icp_query_timeout 2000',
    'minimum_direct_rtt 0',
    ...peers,
    options.extraConfig ?? '',
    '',
  ].join('\n');
}

async function proxyUser(): Promise<{ uid: number; gid: number }> {
  const passwd = await readFile('/etc/passwd', 'utf8');
  const line = passwd.split('\n').find((l) => l.startsWith('proxy:'));
  if (!line) throw new Error('squid: no "proxy" user (is the squid package installed?)');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/** A UDP port on 0.0.0.0 that was free a moment ago (Squid binds its ICP port itself). */
export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, '0.0.0.0', () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}
