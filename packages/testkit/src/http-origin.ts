import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type OriginHandler = (req: IncomingMessage, res: ServerResponse, origin: HttpOrigin) => void;

export interface HttpOriginOptions {
  /** Shown in the `x-served-by` header and the default body. */
  readonly name: string;
  /** Default: 200 `name` for every path, `/health` included. */
  readonly handler?: OriginHandler | undefined;
  readonly host?: string | undefined;
  /** Listen on this port (e.g. to come back on the same port after stop()); default 0 = any free port. */
  readonly port?: number | undefined;
}

/**
 * A real HTTP origin server on loopback. stop() closes it (and every open
 * connection) so health checks see it down; start() brings it back on the
 * same port.
 */
export class HttpOrigin {
  readonly name: string;
  readonly host: string;
  port: number;
  /** Requests served since start, by path. */
  readonly hits = new Map<string, number>();
  requests = 0;
  healthy = true;
  readonly #handler: OriginHandler;
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;

  constructor(options: HttpOriginOptions) {
    this.name = options.name;
    this.host = options.host ?? '127.0.0.1';
    this.port = options.port ?? 0;
    this.#handler = options.handler ?? defaultHandler;
  }

  get address(): string {
    return `${this.host}:${this.port}`;
  }

  get url(): string {
    return `http://${this.address}`;
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      this.requests++;
      const path = (req.url ?? '/').split('?')[0]!;
      this.hits.set(path, (this.hits.get(path) ?? 0) + 1);
      res.setHeader('x-served-by', this.name);
      this.#handler(req, res, this);
    });
    server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.host, () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.#server = server;
    return this;
  }

  /** Closes the listener and every connection: the server is down. */
  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function defaultHandler(req: IncomingMessage, res: ServerResponse, origin: HttpOrigin): void {
  if (req.url === '/health' && !origin.healthy) {
    res.statusCode = 503;
    res.end('unhealthy\n');
    return;
  }
  req.resume();
  req.once('end', () => res.end(`${origin.name}\n`));
}

/** Starts an origin; remember to stop() it (e.g. in afterEach). */
export function startHttpOrigin(options: HttpOriginOptions): Promise<HttpOrigin> {
  return new HttpOrigin(options).start();
}
