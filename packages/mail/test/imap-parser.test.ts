import { describe, expect, it } from 'vitest';
import {
  astring,
  ImapParseError,
  type ImapSegment,
  literalMarker,
  parseImapCommand,
  quoteImap,
} from '../src/imap/imap-parser.js';

const text = (s: string): ImapSegment => ({ kind: 'text', bytes: Buffer.from(s, 'latin1') });
const literal = (s: string | Buffer): ImapSegment => ({ kind: 'literal', bytes: Buffer.from(s) });
const str = (v: ReturnType<typeof parseImapCommand>['args'][number] | undefined) =>
  astring(v)?.toString('latin1');

describe('parseImapCommand', () => {
  it('parses atoms and upper-cases the command name', () => {
    const cmd = parseImapCommand([text('a1 login alice secret')]);
    expect(cmd.tag).toBe('a1');
    expect(cmd.name).toBe('LOGIN');
    expect(cmd.args.map(str)).toEqual(['alice', 'secret']);
  });

  it('parses quoted strings with escapes and spaces', () => {
    const cmd = parseImapCommand([text('t LOGIN "alice@example.org" "pa ss\\"w\\\\rd"')]);
    expect(cmd.args.map(str)).toEqual(['alice@example.org', 'pa ss"w\\rd']);
    expect(cmd.args[1]).toMatchObject({ type: 'string', literal: false });
  });

  it('takes literals in order, between text segments', () => {
    const cmd = parseImapCommand([
      text('x LOGIN '),
      literal('alice'),
      text(' '),
      literal('p\r\n"}{x'),
      text(''),
    ]);
    expect(cmd.args.map(str)).toEqual(['alice', 'p\r\n"}{x']);
    expect(cmd.args[0]).toMatchObject({ type: 'string', literal: true });
  });

  it('keeps 8-bit literal bytes exactly', () => {
    const pw = Buffer.from([0xc3, 0xa9, 0xff, 0x00, 0x41]);
    const cmd = parseImapCommand([text('x LOGIN bob '), literal(pw), text('')]);
    expect(astring(cmd.args[1])).toEqual(pw);
  });

  it('parses ID lists with NIL', () => {
    const cmd = parseImapCommand([text('i ID ("name" "Thunderbird" "version" NIL)')]);
    expect(cmd.name).toBe('ID');
    const list = cmd.args[0]!;
    expect(list.type).toBe('list');
    if (list.type !== 'list') throw new Error();
    expect(list.items.map((v) => v.type)).toEqual(['string', 'string', 'string', 'nil']);
    expect(parseImapCommand([text('i ID NIL')]).args[0]).toEqual({ type: 'nil' });
  });

  it('accepts a command without arguments', () => {
    expect(parseImapCommand([text('abc CAPABILITY')])).toEqual({ tag: 'abc', name: 'CAPABILITY', args: [] });
  });

  it.each([
    ['missing command', 'a1', 'a1'],
    ['invalid tag', '+x LOGIN a b', '*'],
    ['unterminated quote', 'a LOGIN "alice', 'a'],
    ['bad escape', 'a LOGIN "a\\x" b', 'a'],
    ['unterminated list', 'a ID ("a" "b"', 'a'],
    ['NUL', 'a LOGIN a\u0000 b', '*'],
  ])('rejects %s with the tag when it has one', (_what, line, tag) => {
    try {
      parseImapCommand([text(line)]);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ImapParseError);
      expect((error as ImapParseError).tag).toBe(tag);
    }
  });

  it('rejects deeply nested lists', () => {
    expect(() => parseImapCommand([text(`a ID ${'('.repeat(20)}${')'.repeat(20)}`)])).toThrow(ImapParseError);
  });
});

describe('literalMarker', () => {
  it('finds synchronizing literals', () => {
    const m = literalMarker(Buffer.from('a LOGIN {5}'));
    expect(m).toMatchObject({ size: 5, sync: true });
    expect(m?.text.toString()).toBe('a LOGIN ');
  });

  it('finds non-synchronizing literals (LITERAL+)', () => {
    expect(literalMarker(Buffer.from('a LOGIN alice {12+}'))).toMatchObject({ size: 12, sync: false });
  });

  it('ignores lines without a marker', () => {
    expect(literalMarker(Buffer.from('a LOGIN alice secret'))).toBeUndefined();
    expect(literalMarker(Buffer.from('a LOGIN "x{5}"'))).toBeUndefined();
    expect(literalMarker(Buffer.from('a LOGIN {x}'))).toBeUndefined();
  });
});

describe('quoteImap', () => {
  it('quotes and escapes 7-bit strings, refuses what needs a literal', () => {
    expect(quoteImap(Buffer.from('a"b\\c'))).toBe('"a\\"b\\\\c"');
    expect(quoteImap(Buffer.from('line\r\n'))).toBeUndefined();
    expect(quoteImap(Buffer.from('héllo'))).toBeUndefined();
  });
});
