import type net from 'node:net';
import {
  abortReason,
  connectSocket,
  HealthCheckFailedError,
  type HealthProbe,
  type HealthTarget,
  optionalPort,
  optionalString,
  type Preamble,
  proxyPreamble,
  registerHealthCheck,
  rejectUnknownOptions,
} from '@lvs7/core';
import { ReplyParser } from '../backend/reply-parser.js';
import { describeReply, isPositive, type SmtpReply } from '../reply.js';

export interface SmtpProbeOptions {
  /** Port to check instead of the server's. */
  readonly port?: number | undefined;
  /** Name sent in EHLO / LHLO; default `lvs7-health`. */
  readonly host?: string | undefined;
  /** A PROXY header written first (the pool's sendProxy; see proxyPreamble). */
  readonly preamble?: Preamble | undefined;
}

/**
 * keepalived's SMTP_CHECK: the server passes when it greets with 220 and
 * answers EHLO (LHLO for LMTP) with 250; then QUIT. A 421 greeting (a
 * server refusing work) fails the check.
 */
export class SmtpProbe implements HealthProbe {
  readonly #protocol: 'smtp' | 'lmtp';
  readonly #port: number | undefined;
  readonly #helo: string;
  readonly #preamble: Preamble | undefined;

  constructor(protocol: 'smtp' | 'lmtp', options: SmtpProbeOptions = {}) {
    this.#protocol = protocol;
    this.#port = options.port;
    this.#helo = options.host ?? 'lvs7-health';
    this.#preamble = options.preamble;
  }

  async check(target: HealthTarget, signal: AbortSignal): Promise<string> {
    const started = performance.now();
    const socket = await connectSocket(target.host, this.#port ?? target.port, signal, this.#preamble);
    try {
      const replies = new ReplyQueue(socket, signal);
      const greeting = await replies.next();
      if (greeting.code !== 220) throw new HealthCheckFailedError(`greeting: ${describeReply(greeting)}`);
      const verb = this.#protocol === 'lmtp' ? 'LHLO' : 'EHLO';
      socket.write(`${verb} ${this.#helo}\r\n`);
      const hello = await replies.next();
      if (!isPositive(hello)) throw new HealthCheckFailedError(`${verb}: ${describeReply(hello)}`);
      socket.write('QUIT\r\n');
      return `${verb} answered in ${Math.round(performance.now() - started)} ms`;
    } finally {
      socket.destroy();
    }
  }
}

/** Replies from a socket, one at a time, failing on close, garbage or abort. */
class ReplyQueue {
  readonly #parser = new ReplyParser();
  readonly #ready: SmtpReply[] = [];
  #waiter: { resolve: (r: SmtpReply) => void; reject: (e: Error) => void } | undefined;
  #error: Error | undefined;

  constructor(socket: net.Socket, signal: AbortSignal) {
    socket.on('data', (chunk: Buffer) => {
      try {
        this.#ready.push(...this.#parser.push(chunk));
      } catch (error) {
        return this.#fail(new HealthCheckFailedError((error as Error).message));
      }
      this.#flush();
    });
    socket.on('close', () => this.#fail(new HealthCheckFailedError('connection closed')));
    socket.on('error', (error) => this.#fail(new HealthCheckFailedError(error.message)));
    signal.addEventListener('abort', () => this.#fail(abortReason(signal)), { once: true });
  }

  next(): Promise<SmtpReply> {
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
      this.#flush();
    });
  }

  #flush(): void {
    const waiter = this.#waiter;
    if (waiter === undefined) return;
    const r = this.#ready.shift();
    if (r !== undefined) {
      this.#waiter = undefined;
      waiter.resolve(r);
    } else if (this.#error !== undefined) {
      this.#waiter = undefined;
      waiter.reject(this.#error);
    }
  }

  #fail(error: Error): void {
    this.#error ??= error;
    this.#flush();
  }
}

for (const protocol of ['smtp', 'lmtp'] as const) {
  registerHealthCheck(protocol, (options) => {
    rejectUnknownOptions(protocol, options, ['port', 'host']);
    return new SmtpProbe(protocol, {
      port: optionalPort(protocol, options, 'port'),
      host: optionalString(protocol, options, 'host'),
      preamble: proxyPreamble(protocol, options),
    });
  });
}
