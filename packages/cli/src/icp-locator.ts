import { type Pool, parseHostPort, type Server } from '@lvs7/core';
import type { IcpLocator } from '@lvs7/http';
import { IcpClient, type IcpPeer, IcpSocket } from '@lvs7/icp';

/**
 * Asks a cache pool's servers (those with an `icp` address) whether they hold
 * a URL, for HTTP routes with `icp: { timeout }`: the first HIT wins. One UDP
 * socket per locator, opened on first use.
 */
export class PoolIcpLocator implements IcpLocator {
  readonly #pool: Pool;
  #client: Promise<{ socket: IcpSocket; client: IcpClient }> | undefined;

  constructor(pool: Pool) {
    this.#pool = pool;
  }

  static wanted(pool: Pool): boolean {
    return pool.servers().some((s) => s.icp !== undefined);
  }

  async locate(url: string, timeoutMs: number): Promise<Server | undefined> {
    const peers: IcpPeer[] = [];
    for (const server of this.#pool.servers()) {
      if (server.icp === undefined || !server.eligible) continue;
      const { host, port } = parseHostPort(server.icp);
      peers.push({ name: server.name, host, port, type: 'sibling' });
    }
    if (peers.length === 0) return undefined;
    this.#client ??= IcpSocket.bind({ host: '127.0.0.1' === peers[0]!.host ? '127.0.0.1' : '0.0.0.0' }).then(
      (socket) => ({ socket, client: new IcpClient({ socket }) }),
    );
    const { client } = await this.#client;
    const result = await client.query(url, peers, { timeout: timeoutMs });
    const chosen = result.chosen;
    return chosen?.code === 'SIBLING_HIT' && chosen.peer.name ? this.#pool.get(chosen.peer.name) : undefined;
  }

  async close(): Promise<void> {
    const opened = this.#client;
    this.#client = undefined;
    if (!opened) return;
    const { socket, client } = await opened;
    client.close();
    await socket.close();
  }
}
