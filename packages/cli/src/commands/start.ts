import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import { type Config, ConfigError, loadConfigFile } from '@lvs7/config';
import type { Logger } from 'pino';
import { Instance } from '../instance.js';
import { createRootLogger } from '../logger.js';
import { runWorkerProcess } from '../workers/worker-process.js';
import { WorkerSupervisor } from '../workers/worker-supervisor.js';

export interface StartOptions {
  readonly logLevel?: string | undefined;
  readonly drainTimeoutMs?: number | undefined;
  /** `lvs7 mailstore` / `lvs7 cache`: the file must have that section. */
  readonly require?: 'mailstore' | 'cache' | undefined;
  /** Overrides the file's `workers`. */
  readonly workers?: number | 'auto' | undefined;
}

/** How many worker processes a config asks for: 1 means none (everything in one process). */
export function workerCount(config: Config, override?: number | 'auto'): number {
  const wanted = override ?? config.workers;
  if (config.listeners.length === 0) return 1;
  return wanted === 'auto' ? availableParallelism() : wanted;
}

/**
 * `lvs7 start -c FILE`: runs until SIGTERM/SIGINT (drain, exit 0). SIGHUP
 * re-reads the file; a file with errors is reported and the running
 * configuration stays. With `workers: N` (N > 1) this process is the
 * primary (pools, health checks, admin) and N workers run the listeners;
 * SIGUSR2 restarts the workers one by one.
 */
export async function startCommand(file: string, options: StartOptions): Promise<void> {
  if (cluster.isWorker && process.env.LVS7_WORKER === '1') {
    runWorkerProcess({
      logger: createRootLogger(options.logLevel ?? 'info').child({ worker: cluster.worker?.id }),
      drainTimeoutMs: options.drainTimeoutMs,
    });
    return;
  }
  let config: Config;
  try {
    config = await loadConfigFile(file);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  if (options.require && !config[options.require]) {
    process.stderr.write(`${file}: no ${options.require}: section (lvs7 ${options.require} runs one)\n`);
    process.exit(1);
  }
  const logger = createRootLogger(options.logLevel ?? config.log?.level ?? 'info');
  const baseDir = dirname(resolve(file));
  const drainTimeoutMs = options.drainTimeoutMs ?? 30_000;
  const count = options.require ? 1 : workerCount(config, options.workers);
  let supervisor: WorkerSupervisor | undefined;
  const instance = new Instance(config, {
    logger,
    drainTimeoutMs,
    baseDir,
    ...(count > 1
      ? {
          role: 'primary' as const,
          listenerStats: () => supervisor?.listenerStats() ?? [],
          mailAdmin: (method: string, path: string, params: Record<string, string>, body: unknown) =>
            supervisor!.mailAdmin(method, path, params, body),
          serving: () => (supervisor?.serving ?? 0) > 0,
          onAdminChange: (change) => supervisor?.adminChange(change),
        }
      : {}),
  });
  await instance.start();
  if (count > 1) {
    supervisor = new WorkerSupervisor(instance, config, count, { logger, baseDir, drainTimeoutMs });
    await supervisor.start();
    logger.info(
      {
        workers: count,
        pools: instance.pools().size,
        listeners: config.listeners.length,
        admin: config.admin?.listen,
      },
      'lvs7 started',
    );
  }
  handleSignals(file, instance, supervisor, logger, options.workers);
}

function handleSignals(
  file: string,
  instance: Instance,
  supervisor: WorkerSupervisor | undefined,
  logger: Logger,
  workersOverride: number | 'auto' | undefined,
): void {
  let reloading = Promise.resolve();
  process.on('SIGHUP', () => {
    reloading = reloading.then(async () => {
      try {
        const config = await loadConfigFile(file);
        await instance.reload(config);
        if (supervisor) {
          await supervisor.reload(config, Math.max(2, workerCount(config, workersOverride)));
          logger.info({ workers: supervisor.count }, 'configuration reloaded');
        }
      } catch (err) {
        if (err instanceof ConfigError)
          logger.error({ problems: err.issues.length }, `reload refused:\n${err.message}`);
        else logger.error({ err }, 'reload failed');
      }
    });
  });
  process.on('SIGUSR2', () => {
    if (!supervisor) {
      logger.warn('SIGUSR2: no workers to restart (workers: 1)');
      return;
    }
    reloading = reloading.then(() =>
      supervisor.rollingRestart().catch((err) => logger.error({ err }, 'rolling restart failed')),
    );
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'draining');
    (async () => {
      await supervisor?.stop();
      await instance.stop();
    })()
      .then(() => logger.flush(() => process.exit(0)))
      .catch((err) => {
        logger.error({ err }, 'stop failed');
        logger.flush(() => process.exit(1));
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
