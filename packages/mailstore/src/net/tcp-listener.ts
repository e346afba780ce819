import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';

export interface Session {
  /** Ends the session (server shutting down): say goodbye and close. */
  shutdown(): void;
}

/**
 * A TCP listener that starts one session per connection and, on close,
 * shuts every session down instead of waiting for clients to leave.
 */
export class TcpListener {
  readonly #host: string;
  readonly #port: number;
  readonly #start: (socket: Socket) => Session;
  readonly #sessions = new Set<Session>();
  #server: Server | undefined;

  constructor(host: string, port: number, start: (socket: Socket) => Session) {
    this.#host = host;
    this.#port = port;
    this.#start = start;
  }

  async listen(): Promise<AddressInfo> {
    const server = createServer((socket) => {
      socket.setNoDelay(true);
      socket.on('error', () => {});
      const session = this.#start(socket);
      this.#sessions.add(session);
      socket.once('close', () => this.#sessions.delete(session));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, this.#host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#server = server;
    return server.address() as AddressInfo;
  }

  get connections(): number {
    return this.#sessions.size;
  }

  async close(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const session of this.#sessions) session.shutdown();
    await closed;
  }
}
