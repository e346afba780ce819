import net from 'node:net';
import { HealthCheckFailedError } from '../errors.js';
import { type Preamble, preambleBytes } from '../proxy-protocol/encode.js';
import {
  asCheckFailure,
  type HealthProbe,
  type HealthTarget,
  optionalPort,
  proxyPreamble,
  registerHealthCheck,
  rejectUnknownOptions,
} from './health-probe.js';

/** Why `signal` aborted, as a check failure (the session aborts with a HealthCheckFailedError). */
export function abortReason(signal: AbortSignal): HealthCheckFailedError {
  return asCheckFailure(signal.reason ?? new HealthCheckFailedError('aborted'));
}

/**
 * Opens a TCP connection, rejecting with a HealthCheckFailedError on error or
 * when `signal` aborts (the socket is destroyed then). The caller owns the
 * resolved socket and must destroy it. `preamble` (a PROXY header, see
 * proxyPreamble) is written first.
 */
export function connectSocket(
  host: string,
  port: number,
  signal: AbortSignal,
  preamble?: Preamble | undefined,
): Promise<net.Socket> {
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, noDelay: true });
    const cleanup = () => {
      signal.removeEventListener('abort', onAbort);
      socket.off('error', onError);
      socket.off('connect', onConnect);
    };
    const onAbort = () => {
      cleanup();
      socket.destroy();
      reject(abortReason(signal));
    };
    const onError = (error: Error) => {
      cleanup();
      socket.destroy();
      reject(asCheckFailure(error, 'connect failed: '));
    };
    const onConnect = () => {
      cleanup();
      if (preamble !== undefined) socket.write(preambleBytes(preamble, socket));
      resolve(socket);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('error', onError);
    socket.once('connect', onConnect);
  });
}

export interface TcpProbeOptions {
  /** Port to connect to instead of the server's (HAProxy `check port`). */
  readonly port?: number | undefined;
  /** A PROXY header to write once connected (see proxyPreamble). */
  readonly preamble?: Preamble | undefined;
}

/** Passes when a TCP connection to the server opens before the timeout; closes it at once. */
export class TcpProbe implements HealthProbe {
  readonly #port: number | undefined;
  readonly #preamble: Preamble | undefined;

  constructor(options: TcpProbeOptions = {}) {
    this.#port = options.port;
    this.#preamble = options.preamble;
  }

  async check(target: HealthTarget, signal: AbortSignal): Promise<string> {
    const started = performance.now();
    const socket = await connectSocket(target.host, this.#port ?? target.port, signal, this.#preamble);
    // With a header to send, close politely so it reaches the server before the FIN.
    if (this.#preamble !== undefined) socket.end();
    else socket.destroy();
    return `connected in ${Math.round(performance.now() - started)} ms`;
  }
}

registerHealthCheck('tcp', (options) => {
  rejectUnknownOptions('tcp', options, ['port']);
  return new TcpProbe({
    port: optionalPort('tcp', options, 'port'),
    preamble: proxyPreamble('tcp', options),
  });
});
