import type net from 'node:net';
import {
  DEFAULT_MAX_HEADER_LENGTH,
  DEFAULT_PROXY_HEADER_TIMEOUT,
  type ProxyHeader,
  ProxyHeaderError,
} from './header.js';
import { parseProxyHeader } from './parse.js';

export interface ReadProxyHeaderOptions {
  /** The whole header must arrive within this (ms); default 5 000. */
  readonly timeoutMs?: number | undefined;
  /** Longest v2 header accepted (bytes); default 4 096. */
  readonly maxLength?: number | undefined;
}

export interface ReadProxyHeaderResult {
  readonly header: ProxyHeader;
  /** Bytes that came after the header in the same reads (the client's first bytes). */
  readonly rest: Buffer;
}

/**
 * Reads the PROXY header a balancer in front sends before anything else.
 * Resolves with the header and whatever followed it; rejects with a
 * ProxyHeaderError on bad bytes, an oversize header, the timeout or a close.
 * Either way the socket is left paused with no listener of ours on it.
 */
export function readProxyHeader(
  socket: net.Socket,
  options: ReadProxyHeaderOptions = {},
): Promise<ReadProxyHeaderResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_PROXY_HEADER_TIMEOUT;
  const maxLength = options.maxLength ?? DEFAULT_MAX_HEADER_LENGTH;
  return new Promise((resolve, reject) => {
    let buffer: Buffer = Buffer.alloc(0);
    const finish = (error: Error | undefined, result?: ReadProxyHeaderResult) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onClose);
      socket.off('close', onClose);
      socket.off('error', onClose);
      socket.pause();
      if (error !== undefined) reject(error);
      else resolve(result!);
    };
    const onData = (chunk: Buffer) => {
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
      try {
        const parsed = parseProxyHeader(buffer, maxLength);
        if (parsed !== undefined)
          finish(undefined, { header: parsed.header, rest: buffer.subarray(parsed.length) });
      } catch (error) {
        finish(error as Error);
      }
    };
    const onClose = () =>
      finish(
        new ProxyHeaderError('LVS7_ERR_PROXY_HEADER_CLOSED', 'connection closed before the PROXY header'),
      );
    const timer = setTimeout(
      () =>
        finish(
          new ProxyHeaderError('LVS7_ERR_PROXY_HEADER_TIMEOUT', `no PROXY header within ${timeoutMs} ms`),
        ),
      timeoutMs,
    );
    socket.on('data', onData);
    socket.once('end', onClose);
    socket.once('close', onClose);
    socket.once('error', onClose);
    socket.resume();
  });
}
