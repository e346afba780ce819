/** A POP3 command line (RFC 1939): a keyword, then arguments separated by single spaces. */
export interface Pop3Command {
  /** Upper-cased keyword. */
  readonly name: string;
  /** Space-separated arguments (latin1, so bytes survive). */
  readonly args: readonly string[];
  /** Everything after the keyword and one space, as sent (PASS may contain spaces). */
  readonly rest: Buffer;
}

/** Parses a line (CRLF removed); undefined when it has no keyword. */
export function parsePop3Command(line: Buffer): Pop3Command | undefined {
  const space = line.indexOf(0x20);
  const keyword = (space < 0 ? line : line.subarray(0, space)).toString('latin1');
  if (!/^[A-Za-z]{1,40}$/.test(keyword)) return undefined;
  const rest = space < 0 ? Buffer.alloc(0) : line.subarray(space + 1);
  const text = rest.toString('latin1');
  return { name: keyword.toUpperCase(), args: text === '' ? [] : text.split(' '), rest };
}
