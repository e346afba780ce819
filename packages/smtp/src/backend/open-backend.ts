import type { Server } from '@lvs7/core';
import { type Endpoint, encodeProxyHeader } from '@lvs7/core';
import type { Logger } from 'pino';
import { describeReply, isPositive } from '../reply.js';
import type { BackendRoute } from '../routing/recipient-router.js';
import type { BackendConnection } from './backend-connection.js';
import { type ClientInfo, xclientCommand } from './client-info.js';

/** Who is connecting, as the backend should see it. */
export interface BackendIntroduction {
  readonly client: ClientInfo;
  readonly clientEndpoint: Endpoint;
  readonly localEndpoint: Endpoint;
  readonly logger: Logger | undefined;
}

/** The part of a client key that names the client's connection (see ConnectionCache.forget). */
export function clientKeyPrefix(client: Endpoint): string {
  return `${client.address} ${client.port} `;
}

/** Who a connection was introduced as: the same session's next transaction skips XCLIENT. */
export function clientKey(client: ClientInfo): string {
  return `${clientKeyPrefix(client)}${client.helo ?? ''} ${client.proto} ${client.login ?? ''}`;
}

/**
 * A connection to `server` that knows who the client is: a PROXY header
 * first when the pool asks for one, XCLIENT (then EHLO again, in the
 * client's name) when the backend offers it to lvs7 and the connection was
 * not introduced as this client already (see ConnectionCache.acquire). A
 * backend that refuses XCLIENT still gets the mail, as from lvs7.
 */
export async function openBackend(
  server: Server,
  route: BackendRoute,
  who: BackendIntroduction,
): Promise<BackendConnection> {
  const proxy = route.backend.proxyProtocol;
  const preamble =
    proxy === undefined ? undefined : encodeProxyHeader(proxy, who.clientEndpoint, who.localEndpoint);
  const key = clientKey(who.client);
  const conn = await route.connections.acquire(server, preamble, key);
  if (conn.clientKey === key) return conn;
  const xclient = xclientCommand(route.backend.clientInfo, conn.firstCapabilities, who.client);
  if (xclient === undefined) return conn;
  try {
    const [r] = await conn.send([xclient]);
    if (r!.code === 220 || isPositive(r!)) {
      conn.clientKey = key;
      await conn.hello(who.client.helo);
    } else {
      who.logger?.warn({ server: server.name, reply: describeReply(r!) }, 'smtp backend refused XCLIENT');
    }
    return conn;
  } catch (error) {
    conn.destroy();
    throw error;
  }
}
