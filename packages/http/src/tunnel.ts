import type { Socket } from 'node:net';
import type { UpstreamConnection } from './upstream/connection.js';

export interface TunnelOwner {
  onTunnelClosed(bytesIn: number, bytesOut: number): void;
}

/**
 * Splices a client and a server socket after a 101 (WebSocket and other
 * upgrades): bytes flow both ways with pipe's backpressure, a half-close
 * is passed on, and either side failing or idling past `idleTimeout`
 * closes both. Tunnels are long-lived, so closures here cost nothing.
 */
export function startTunnel(
  client: Socket,
  upstream: UpstreamConnection,
  clientRest: Buffer | null,
  serverRest: Buffer | null,
  idleTimeout: number,
  owner: TunnelOwner,
): void {
  const server = upstream.pipeTo(client);
  let open = 2;
  const startIn = client.bytesRead;
  const startOut = client.bytesWritten;
  const onClose = (): void => {
    client.destroy();
    server.destroy();
    if (--open === 0) owner.onTunnelClosed(client.bytesRead - startIn, client.bytesWritten - startOut);
  };
  const onTimeout = (): void => {
    client.destroy();
    server.destroy();
  };
  client.on('close', onClose);
  server.on('close', onClose);
  client.on('error', () => {});
  server.on('error', () => {});
  client.setTimeout(idleTimeout, onTimeout);
  server.setTimeout(idleTimeout, onTimeout);
  if (serverRest !== null) client.write(serverRest);
  if (clientRest !== null) server.write(clientRest);
  client.pipe(server);
  client.resume();
  server.resume();
  // A side that closed before we listened would never report it.
  if (client.closed) onClose();
  if (server.closed) onClose();
}
