import { createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import {
  HealthCheckFailedError,
  type HealthProbe,
  type HealthTarget,
  InvalidHealthCheckOptionError,
  optionalPort,
  optionalString,
  registerHealthCheck,
  rejectUnknownOptions,
} from '@lvs7/core';
import { DEFAULT_ICP_PORT, IcpOpcode, opcodeName } from './constants.js';
import { decodeMessage } from './decode.js';
import { encodeMessage } from './encode.js';
import { endpointKey } from './peer.js';

export interface IcpProbeOptions {
  /** The server's ICP port; default 3130. */
  readonly port?: number | undefined;
  /** URL to ask about; any valid reply passes, so it need not exist. */
  readonly url?: string | undefined;
}

const DEFAULT_URL = 'http://lvs7-health-check.invalid/';

/**
 * The `icp` health check: sends a QUERY from a fresh UDP socket and passes on
 * any valid reply (HIT, MISS, MISS_NOFETCH, DENIED, ERR…) that comes from the
 * server's address and ICP port and carries the query's request number.
 * Anything else (malformed, other sources) is ignored until the session's
 * timeout aborts the check.
 */
export class IcpProbe implements HealthProbe {
  readonly #port: number;
  readonly #url: string;

  constructor(options: IcpProbeOptions = {}) {
    this.#port = options.port ?? DEFAULT_ICP_PORT;
    this.#url = options.url ?? DEFAULT_URL;
    if (this.#url.length === 0 || this.#url.includes('\0')) {
      throw new InvalidHealthCheckOptionError('icp', 'url', 'expected a non-empty URL without NUL');
    }
  }

  check(target: HealthTarget, signal: AbortSignal): Promise<string> {
    const started = performance.now();
    const requestNumber = 1 + Math.floor(Math.random() * 0xffff_fffe);
    const query = encodeMessage({
      opcode: IcpOpcode.QUERY,
      requestNumber,
      options: 0,
      optionData: 0,
      senderAddress: 0,
      requesterAddress: 0,
      url: this.#url,
    });
    const expectedSource = endpointKey(target.host, this.#port);
    const socket = createSocket(isIPv6(target.host) ? 'udp6' : 'udp4');
    return new Promise<string>((resolve, reject) => {
      const finish = (error: Error | undefined, message?: string) => {
        signal.removeEventListener('abort', onAbort);
        socket.close();
        if (error) reject(error);
        else resolve(message!);
      };
      const onAbort = () =>
        finish(
          new HealthCheckFailedError(`no ICP reply from ${target.host}:${this.#port}`, {
            cause: signal.reason,
          }),
        );
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      socket.on('error', (error) =>
        finish(new HealthCheckFailedError(`ICP: ${error.message}`, { cause: error })),
      );
      socket.on('message', (bytes, from) => {
        if (endpointKey(from.address, from.port) !== expectedSource) return;
        const result = decodeMessage(bytes);
        if (!result.ok || result.message.opcode === IcpOpcode.QUERY) return;
        if (result.message.requestNumber !== requestNumber) return;
        const ms = Math.round(performance.now() - started);
        finish(undefined, `ICP ${opcodeName(result.message.opcode)} in ${ms} ms`);
      });
      socket.send(query, this.#port, target.host);
    });
  }
}

/** Registers the `icp` health check type (done on import; calling again is harmless). */
export function registerIcpHealthCheck(): void {
  registerHealthCheck('icp', (options) => {
    rejectUnknownOptions('icp', options, ['port', 'url']);
    return new IcpProbe({
      port: optionalPort('icp', options, 'port'),
      url: optionalString('icp', options, 'url'),
    });
  });
}

registerIcpHealthCheck();
