import { encodeProxyHeader, type Server } from '@lvs7/core';
import type { MailboxEntry } from '@lvs7/directory';
import type { Logger } from 'pino';
import { BackendConnection } from '../backend/backend-connection.js';
import type { BackendDriver, ClientInfo } from '../backend/backend-driver.js';
import { ImapBackend } from '../backend/imap-backend.js';
import { Pop3Backend } from '../backend/pop3-backend.js';
import { BackendError, TemporaryFailureError } from '../errors.js';
import type { MailProtocol, ResolvedMailListenerOptions } from '../options.js';
import type { Credentials } from '../protocol/sasl-plain.js';
import type { MailRouter, Placement } from '../router/mail-router.js';

export function createBackendDriver(protocol: MailProtocol): BackendDriver {
  return protocol === 'imap' ? new ImapBackend() : new Pop3Backend();
}

export interface BackendLoginRequest {
  readonly credentials: Credentials;
  /** The client's IMAP tag (POP3: ignored). */
  readonly tag: string;
  readonly client: ClientInfo;
  readonly signal: AbortSignal;
}

export type BackendLoginOutcome =
  | {
      readonly ok: true;
      readonly reply: string;
      readonly connection: BackendConnection;
      readonly placement: Placement;
      readonly entry: MailboxEntry;
    }
  | { readonly ok: false; readonly reply: string; readonly entry: MailboxEntry };

/** The mailbox a login acts on: the authorization identity when one is given (master-user logins). */
export function loginName(credentials: Credentials): string {
  return credentials.authzid !== '' ? credentials.authzid : credentials.username;
}

/**
 * Routes a login and performs it on the backend: directory lookup, placement,
 * connect (retrying the next placement when a server refuses, unless the
 * directory pinned it), greeting/STARTTLS/client announcement, login. Throws
 * MailErrors (AuthFailedError for unknown users, TemporaryFailureError); a
 * login the backend refuses is an outcome with the backend's own reply.
 */
export async function loginThroughBackend(
  options: ResolvedMailListenerOptions,
  router: MailRouter,
  request: BackendLoginRequest,
  logger: Logger | undefined,
): Promise<BackendLoginOutcome> {
  const entry = await router.resolve(loginName(request.credentials));
  const exclude = new Set<Server>();
  const attempts = Math.max(1, router.pool.servers().length);
  for (let attempt = 0; attempt < attempts; attempt++) {
    const placement = router.place(entry, { clientAddress: request.client.address, exclude });
    const driver = createBackendDriver(options.protocol);
    let connection: BackendConnection | undefined;
    // The client went away: stop waiting for the backend.
    const onAbort = () => connection?.destroy();
    request.signal.addEventListener('abort', onAbort, { once: true });
    try {
      connection = await connect(options, placement.server, request);
      await driver.prepare(connection, {
        startTls: options.backendTls === 'starttls',
        announce: options.protocol === 'imap' ? options.sendId : options.xclient,
        client: request.client,
      });
      const result = await driver.login(connection, request.credentials, request.tag);
      if (!result.ok) {
        connection.destroy();
        return { ok: false, reply: result.reply, entry };
      }
      router.remember(placement.mailbox, placement.server.name);
      logger?.debug(
        { mailbox: placement.mailbox, server: placement.server.name, reason: placement.reason },
        'placed',
      );
      return { ok: true, reply: result.reply, connection, placement, entry };
    } catch (error) {
      connection?.destroy();
      if (!(error instanceof BackendError)) throw error;
      logger?.warn(
        { server: placement.server.name, err: error.message, pinned: placement.pinned },
        'backend failed',
      );
      if (!error.connectFailed || placement.pinned || request.signal.aborted) {
        throw new TemporaryFailureError(error.message, { cause: error });
      }
      exclude.add(placement.server);
    } finally {
      request.signal.removeEventListener('abort', onAbort);
    }
  }
  throw new TemporaryFailureError('every server refused the connection');
}

function connect(
  options: ResolvedMailListenerOptions,
  server: Server,
  request: BackendLoginRequest,
): Promise<BackendConnection> {
  const { client } = request;
  const preamble =
    options.proxyProtocol === undefined
      ? undefined
      : encodeProxyHeader(
          options.proxyProtocol,
          { address: client.address, port: client.port },
          { address: client.localAddress, port: client.localPort },
        );
  return BackendConnection.connect({
    name: server.name,
    host: server.host,
    port: server.port,
    implicitTls: options.backendTls === 'implicit',
    verify: options.backendTlsVerify,
    ca: options.backendCa,
    connectTimeout: options.backendTimeouts.connect,
    replyTimeout: options.backendTimeouts.reply,
    preamble,
    signal: request.signal,
  });
}
