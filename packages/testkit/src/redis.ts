import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Daemon } from './daemon.js';
import { freePort } from './ports.js';
import { type TempDir, tempDir } from './temp-dir.js';
import { waitFor } from './wait-for.js';

const run = promisify(execFile);

export interface StartRedisOptions {
  /** Default: a free port on 127.0.0.1. */
  readonly port?: number | undefined;
  readonly readyTimeoutMs?: number | undefined;
}

/** A throwaway redis-server on 127.0.0.1 with no persistence. */
export interface RedisInstance {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** True while redis-server runs. */
  readonly running: boolean;
  /** Stops redis-server (its data is gone: nothing is saved). Safe to call twice. */
  stop(): Promise<void>;
  /**
   * Starts redis-server again on the same port, empty (stopping it first if
   * it runs): for tests where Redis dies and comes back.
   */
  restart(): Promise<void>;
}

/**
 * Starts Debian's redis-server in the foreground as a throwaway test
 * instance (never the system one): loopback only, no RDB or AOF, a temp dir
 * as its working directory. Data lives in memory only, so a restart comes
 * back empty, as a Redis that lost its state would.
 */
export async function startRedis(options: StartRedisOptions = {}): Promise<RedisInstance> {
  const port = options.port ?? (await freePort());
  let dir: TempDir | undefined;
  let daemon: Daemon | undefined;

  const start = async () => {
    dir ??= await tempDir('lvs7-redis-');
    const next = new Daemon({
      name: 'redis-server',
      command: 'redis-server',
      args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      cwd: dir.path,
      readyPort: port,
      readyTimeoutMs: options.readyTimeoutMs,
    });
    await next.start();
    daemon = next;
  };
  const halt = async () => {
    const running = daemon;
    daemon = undefined;
    await running?.stop();
  };

  try {
    await start();
  } catch (error) {
    await dir?.remove();
    throw error;
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    get running() {
      return daemon !== undefined;
    },
    async stop() {
      await halt();
      await dir?.remove();
      dir = undefined;
    },
    async restart() {
      await halt();
      await start();
    },
  };
}

export interface RedisSentinelInstance {
  /** `redis+sentinel://127.0.0.1:<port>/<master name>` (the form @lvs7/shared-state reads). */
  readonly url: string;
  readonly port: number;
  readonly masterName: string;
  stop(): Promise<void>;
}

/**
 * A throwaway Redis Sentinel (`redis-server <conf> --sentinel`) watching the
 * master on 127.0.0.1:`masterPort`; Sentinel rewrites its config, so it
 * lives in its own temp dir.
 */
export async function startRedisSentinel(options: {
  readonly masterPort: number;
  readonly masterName?: string | undefined;
  readonly port?: number | undefined;
}): Promise<RedisSentinelInstance> {
  const port = options.port ?? (await freePort());
  const masterName = options.masterName ?? 'lvs7master';
  const dir = await tempDir('lvs7-sentinel-');
  const conf = join(dir.path, 'sentinel.conf');
  await writeFile(
    conf,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir.path}`,
      `sentinel monitor ${masterName} 127.0.0.1 ${options.masterPort} 1`,
      `sentinel down-after-milliseconds ${masterName} 5000`,
      '',
    ].join('\n'),
  );
  const daemon = new Daemon({
    name: 'redis-sentinel',
    command: 'redis-server',
    args: [conf, '--sentinel'],
    cwd: dir.path,
    readyPort: port,
  });
  try {
    await daemon.start();
  } catch (error) {
    await dir.remove();
    throw error;
  }
  return {
    url: `redis+sentinel://127.0.0.1:${port}/${masterName}`,
    port,
    masterName,
    async stop() {
      await daemon.stop();
      await dir.remove();
    },
  };
}

export interface RedisClusterInstance {
  /** `redis+cluster://127.0.0.1:<port>,…` (the form @lvs7/shared-state reads). */
  readonly url: string;
  readonly ports: readonly number[];
  stop(): Promise<void>;
}

/**
 * A throwaway Redis Cluster of `masters` (default 3) nodes without
 * replicas, each with its own temp dir (nodes.conf), joined with
 * `redis-cli --cluster create`; resolves once the cluster reports ok.
 */
export async function startRedisCluster(
  options: { readonly masters?: number | undefined } = {},
): Promise<RedisClusterInstance> {
  const count = options.masters ?? 3;
  const nodes: { port: number; daemon: Daemon; dir: TempDir }[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.daemon.stop()));
    await Promise.all(nodes.map((n) => n.dir.remove()));
  };
  try {
    for (let i = 0; i < count; i++) {
      const port = await freePort();
      const dir = await tempDir('lvs7-redis-cluster-');
      const daemon = new Daemon({
        name: `redis-server (cluster node ${i + 1})`,
        command: 'redis-server',
        args: [
          ...['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
          ...['--cluster-enabled', 'yes', '--cluster-config-file', join(dir.path, 'nodes.conf')],
        ],
        cwd: dir.path,
        readyPort: port,
      });
      nodes.push({ port, daemon, dir });
      await daemon.start();
    }
    const addresses = nodes.map((n) => `127.0.0.1:${n.port}`);
    await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes']);
    await waitFor(
      async () => {
        const { stdout } = await run('redis-cli', ['-p', String(nodes[0]!.port), 'cluster', 'info']);
        return stdout.includes('cluster_state:ok');
      },
      { timeoutMs: 15_000, message: 'redis cluster_state:ok' },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  const ports = nodes.map((n) => n.port);
  const cluster: RedisClusterInstance = {
    url: `redis+cluster://${ports.map((p) => `127.0.0.1:${p}`).join(',')}`,
    ports,
    stop,
  };
  return cluster;
}
