import { resolve } from 'node:path';
import { CacheNode } from '@lvs7/cache';
import type { Config } from '@lvs7/config';
import type { Pool } from '@lvs7/core';
import type { Directory } from '@lvs7/directory';
import { MailNode } from '@lvs7/mailstore';
import type { Logger } from 'pino';

/** A mail or cache node the instance runs beside its listeners. */
export interface RunningNode {
  readonly kind: 'mailstore' | 'cache';
  readonly key: string;
  stop(): Promise<void>;
}

export async function startMailNode(
  config: Config,
  directories: ReadonlyMap<string, Directory>,
  baseDir: string,
  logger: Logger,
): Promise<RunningNode & { node: MailNode }> {
  const m = config.mailstore!;
  const directory = directories.get(m.directory);
  if (!directory) throw new Error(`mailstore.directory: unknown directory "${m.directory}"`);
  const node = new MailNode({
    name: m.name,
    root: resolve(baseDir, m.root),
    directory,
    lmtp: m.lmtp,
    smtp: m.smtp,
    imap: m.imap,
    pop3: m.pop3,
    tls: m.tls && { cert: resolve(baseDir, m.tls.cert), key: resolve(baseDir, m.tls.key) },
    mailboxTemplate: m.mailboxTemplate,
    storeAttribute: m.storeAttribute,
    quotaAttribute: m.quotaAttribute,
    statusAttribute: m.statusAttribute,
    disabledStatuses: m.disabledStatuses,
    authFailureDelayMs: m.authFailureDelay,
    fsync: m.fsync,
    idlePollMs: m.idlePoll,
    logger: logger.child({ component: 'mailstore', node: m.name }),
  });
  await node.start();
  return { kind: 'mailstore', key: JSON.stringify(m), node, stop: () => node.stop() };
}

export async function startCacheNode(
  config: Config,
  pools: ReadonlyMap<string, Pool>,
  baseDir: string,
  logger: Logger,
): Promise<RunningNode & { node: CacheNode }> {
  const c = config.cache!;
  const node = new CacheNode({
    options: {
      ...c,
      disk: c.disk && { path: resolve(baseDir, c.disk.path), size: c.disk.size },
    },
    pools,
    logger: logger.child({ component: 'cache', node: c.name }),
  });
  await node.start();
  return { kind: 'cache', key: JSON.stringify(c), node, stop: () => node.close() };
}
