import type net from 'node:net';

export interface SpliceOptions {
  readonly client: net.Socket;
  readonly backend: net.Socket;
  /** Bytes the client sent past its login command (pipelined), for the backend. */
  readonly clientLeftover: Buffer;
  /** Bytes the backend sent past its login reply, for the client. */
  readonly backendLeftover: Buffer;
  /** Once both sockets are closed. `by` is the side that went first. */
  readonly onClose: (by: 'client' | 'backend') => void;
  /** How long a side may stay open after the other closed; default 10 s. */
  readonly lingerMs?: number | undefined;
}

export interface Splice {
  /** Closes both sides now (admin kick, shutdown). */
  destroy(): void;
}

/**
 * Joins the client and the backend with no further parsing: each socket is
 * piped into the other (backpressure included). When one side closes, the
 * other is ended after its data is flushed, and destroyed if it lingers.
 */
export function splice(options: SpliceOptions): Splice {
  const { client, backend } = options;
  let first: 'client' | 'backend' | undefined;
  let closed = 0;
  let lingerTimer: NodeJS.Timeout | undefined;
  const onError = () => {
    client.destroy();
    backend.destroy();
  };
  const closedSide = (side: 'client' | 'backend', other: net.Socket) => () => {
    first ??= side;
    if (++closed === 2) {
      clearTimeout(lingerTimer);
      options.onClose(first);
      return;
    }
    other.end();
    lingerTimer = setTimeout(() => other.destroy(), options.lingerMs ?? 10_000);
    lingerTimer.unref();
  };
  client.on('error', onError);
  backend.on('error', onError);
  // A side may have closed while the login finished: count it at once.
  const watch = (socket: net.Socket, handler: () => void) =>
    socket.closed ? process.nextTick(handler) : socket.once('close', handler);
  watch(client, closedSide('client', backend));
  watch(backend, closedSide('backend', client));
  if (options.backendLeftover.length > 0) client.write(options.backendLeftover);
  if (options.clientLeftover.length > 0) backend.write(options.clientLeftover);
  client.pipe(backend);
  backend.pipe(client);
  return {
    destroy() {
      client.destroy();
      backend.destroy();
    },
  };
}

/**
 * Stream buffer size of spliced sockets (readable and writable high-water
 * marks). Node's 16 KiB default pauses the source after every 64 KiB read
 * until the other side drains; a bigger window keeps bulk FETCH/RETR flowing.
 */
export const SPLICE_BUFFER = 256 * 1024;
