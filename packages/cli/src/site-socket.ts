import net from 'node:net';
import type { Logger } from 'pino';
import type { RunningListener } from './listener-factory.js';

/**
 * The second socket of a VIP listener: the same port on the site's own
 * (unicast) address, where peer sites send overflow; inside a site the VIP
 * is the site itself. Connections go to the listener as if accepted on its
 * own socket (the listener's front, if any, sees them first).
 */
export class SiteSocket {
  readonly #server: net.Server;
  readonly #host: string;
  readonly #port: number;
  readonly #logger: Logger;

  constructor(host: string, port: number, listener: RunningListener, logger: Logger, allowHalfOpen: boolean) {
    this.#host = host;
    this.#port = port;
    this.#logger = logger;
    this.#server = net.createServer({ noDelay: true, allowHalfOpen }, (socket) => {
      socket.on('error', () => socket.destroy());
      listener.acceptSiteConnection!(socket);
    });
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen({ host: this.#host, port: this.#port, backlog: 1024 }, () => {
        this.#server.off('error', reject);
        this.#server.on('error', (err) => this.#logger.error({ err }, 'site address socket error'));
        this.#logger.info({ address: `${this.#host}:${this.#port}` }, 'listening on the site address too');
        resolve();
      });
    });
  }

  /** Stops accepting; the connections belong to the listener, which drains them. */
  close(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
