import type net from 'node:net';
import { type ProxyHeader, ProxyHeaderError, parseProxyHeader } from '../proxy-protocol.js';

/**
 * Reads the PROXY header (v1 or v2) a load balancer in front of us sends
 * before the client's first byte. Resolves with the header and whatever
 * followed it; rejects on a malformed header, a closed socket or timeout.
 * The socket is left paused with no data listener.
 */
export function readProxyHeader(
  socket: net.Socket,
  timeoutMs: number,
): Promise<{ header: ProxyHeader; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    let buffer: Buffer = Buffer.alloc(0);
    const done = (error: Error | undefined, result?: { header: ProxyHeader; rest: Buffer }) => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.off('error', onClose);
      socket.pause();
      if (error !== undefined) reject(error);
      else resolve(result!);
    };
    const onData = (chunk: Buffer) => {
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
      try {
        const parsed = parseProxyHeader(buffer);
        if (parsed !== undefined)
          done(undefined, { header: parsed.header, rest: buffer.subarray(parsed.length) });
        else if (buffer.length > 4096) done(new ProxyHeaderError('PROXY header too long'));
      } catch (error) {
        done(error as Error);
      }
    };
    const onClose = () => done(new ProxyHeaderError('connection closed before the PROXY header'));
    const timer = setTimeout(
      () => done(new ProxyHeaderError(`no PROXY header within ${timeoutMs} ms`)),
      timeoutMs,
    );
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.once('error', onClose);
  });
}
