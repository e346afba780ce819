import type { Readable } from 'node:stream';

export interface LineReaderHandlers {
  line(line: string): void;
  /** The stream ended, closed or failed: the other side is gone. */
  end(): void;
}

/**
 * Reads a stream to the end, line by line, so a writer (ExaBGP sending its
 * acknowledgements) never blocks on a full pipe. Lines are trimmed; empty
 * ones are skipped. A runaway line without a newline is cut at 64 KiB.
 */
export function readLines(stream: Readable, handlers: LineReaderHandlers): () => void {
  let buffered = '';
  let ended = false;
  const onData = (chunk: Buffer | string) => {
    buffered += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    let at = buffered.indexOf('\n');
    while (at >= 0) {
      const line = buffered.slice(0, at).trim();
      buffered = buffered.slice(at + 1);
      if (line !== '') handlers.line(line);
      at = buffered.indexOf('\n');
    }
    if (buffered.length > 65_536) buffered = '';
  };
  const onEnd = () => {
    if (ended) return;
    ended = true;
    detach();
    handlers.end();
  };
  const detach = () => {
    stream.off('data', onData);
    stream.off('end', onEnd);
    stream.off('close', onEnd);
    stream.off('error', onEnd);
  };
  stream.on('data', onData);
  stream.on('end', onEnd);
  stream.on('close', onEnd);
  stream.on('error', onEnd);
  return () => {
    ended = true;
    detach();
  };
}
