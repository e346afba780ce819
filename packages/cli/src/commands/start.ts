import { dirname, resolve } from 'node:path';
import { ConfigError, loadConfigFile } from '@lvs7/config';
import { Instance } from '../instance.js';
import { createRootLogger } from '../logger.js';

export interface StartOptions {
  readonly logLevel?: string | undefined;
  readonly drainTimeoutMs?: number | undefined;
  /** `lvs7 mailstore` / `lvs7 cache`: the file must have that section. */
  readonly require?: 'mailstore' | 'cache' | undefined;
}

/**
 * `lvs7 start -c FILE`: runs until SIGTERM/SIGINT (drain, exit 0). SIGHUP
 * re-reads the file; a file with errors is reported and the running
 * configuration stays.
 */
export async function startCommand(file: string, options: StartOptions): Promise<void> {
  let config: Awaited<ReturnType<typeof loadConfigFile>>;
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
  const instance = new Instance(config, {
    logger,
    drainTimeoutMs: options.drainTimeoutMs,
    baseDir: dirname(resolve(file)),
  });
  await instance.start();

  let reloading = Promise.resolve();
  process.on('SIGHUP', () => {
    reloading = reloading.then(async () => {
      try {
        await instance.reload(await loadConfigFile(file));
      } catch (err) {
        if (err instanceof ConfigError)
          logger.error({ problems: err.issues.length }, `reload refused:\n${err.message}`);
        else logger.error({ err }, 'reload failed');
      }
    });
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'draining');
    instance
      .stop()
      .then(() => logger.flush(() => process.exit(0)))
      .catch((err) => {
        logger.error({ err }, 'stop failed');
        logger.flush(() => process.exit(1));
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
