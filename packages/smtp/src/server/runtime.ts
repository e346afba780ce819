import type { SecureContext } from 'node:tls';
import type { Logger } from 'pino';
import type { ResolvedSmtpListenerOptions } from '../options.js';
import type { BackendRoute, RecipientRouter } from '../routing/recipient-router.js';
import type { SmtpStats } from '../stats.js';

/**
 * What a session needs of its listener, compiled once per options (and again
 * on update): sessions keep the runtime they started with.
 */
export interface SessionRuntime {
  readonly options: ResolvedSmtpListenerOptions;
  readonly router: RecipientRouter;
  readonly routes: readonly BackendRoute[];
  readonly secureContext: SecureContext | undefined;
  readonly stats: SmtpStats;
  readonly logger: Logger | undefined;
  /** True while the listener drains: sessions end after their transaction. */
  readonly closing: () => boolean;
}

/** Extensions every backend of every route offers (8BITMIME, SMTPUTF8) and their smallest SIZE. */
export interface BackendExtensions {
  readonly eightBitMime: boolean;
  readonly smtpUtf8: boolean;
  /** Smallest SIZE limit a backend announced; undefined when none did. */
  readonly size: number | undefined;
}

/**
 * Intersects what the backends said in their last EHLO/LHLO. Servers never
 * reached yet do not count; when none was reached, nothing optional is
 * offered (advertising 8BITMIME to a client whose backend then mangles it is
 * worse than not advertising it).
 */
export function backendExtensions(routes: readonly BackendRoute[]): BackendExtensions {
  let known = 0;
  let eightBitMime = true;
  let smtpUtf8 = true;
  let size: number | undefined;
  for (const route of routes) {
    for (const server of route.pool.servers()) {
      const caps = route.connections.capabilities.get(server.name);
      if (caps === undefined) continue;
      known++;
      eightBitMime &&= caps.has('8BITMIME');
      smtpUtf8 &&= caps.has('SMTPUTF8');
      const limit = Number(caps.get('SIZE'));
      if (Number.isInteger(limit) && limit > 0) size = Math.min(size ?? limit, limit);
    }
  }
  return known === 0
    ? { eightBitMime: false, smtpUtf8: false, size: undefined }
    : { eightBitMime, smtpUtf8, size };
}
