import type { LineReader } from '../net/line-reader.js';
import type { Segment } from './parser.js';

/** Why a literal is refused: the reply to send (synchronizing) or a reason to close (LITERAL+). */
export type LiteralGate = (size: number, nonSync: boolean, commandText: string) => string | undefined;

export type FramedCommand =
  | { readonly kind: 'command'; readonly segments: Segment[] }
  /** A synchronizing literal was refused: the client sends nothing more of this command. */
  | { readonly kind: 'refused'; readonly segments: Segment[]; readonly reason: string }
  /** A LITERAL+ literal was refused: its bytes are on the way, so the connection must close. */
  | { readonly kind: 'fatal'; readonly reason: string };

/**
 * IMAP command framing on top of LineReader: a line ending in `{n}` or
 * `{n+}` continues after n bytes of literal data. Synchronizing literals get
 * the `+` continuation only when the gate allows them.
 */
export async function readImapCommand(
  reader: LineReader,
  gate: LiteralGate,
  sendContinuation: () => void,
): Promise<FramedCommand | null> {
  const segments: Segment[] = [];
  let line = await reader.readLine();
  if (line === null) return null;
  for (;;) {
    const match = /\{(\d{1,10})(\+?)\}$/.exec(line);
    if (!match) {
      segments.push(line);
      return { kind: 'command', segments };
    }
    segments.push(line.slice(0, match.index));
    const size = Number(match[1]);
    const nonSync = match[2] === '+';
    const refusal = gate(size, nonSync, typeof segments[0] === 'string' ? segments[0] : '');
    if (refusal !== undefined) {
      return nonSync ? { kind: 'fatal', reason: refusal } : { kind: 'refused', segments, reason: refusal };
    }
    if (!nonSync) sendContinuation();
    const data = await reader.readBytes(size);
    if (data === null) return null;
    segments.push(data);
    line = await reader.readLine();
    if (line === null) return null;
  }
}
