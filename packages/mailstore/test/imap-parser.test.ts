import { describe, expect, it } from 'vitest';
import { parseFetchItems, parseSection } from '../src/imap/fetch/fetch-items.js';
import { ImapSyntaxError, parseCommand, type Token, tokenize } from '../src/imap/parser.js';
import { formatSet, parseSequenceSet, resolveSet } from '../src/imap/sequence-set.js';
import { ImapOut } from '../src/imap/wire.js';

const atom = (value: string): Token => ({ type: 'atom', value });
const str = (value: string, literal = false): Token => ({
  type: 'string',
  value: Buffer.from(value),
  literal,
});

describe('IMAP command parser', () => {
  it('splits tag, name and arguments', () => {
    expect(parseCommand(['a1 login "al\\"ice" ', Buffer.from('se cret'), ''])).toEqual({
      tag: 'a1',
      name: 'LOGIN',
      args: [str('al"ice'), str('se cret', true)],
    });
    expect(parseCommand(['x UID fetch 1:* (FLAGS)']).name).toBe('UID FETCH');
  });

  it('keeps a bracketed section with spaces as one atom', () => {
    expect(tokenize(['1 (UID BODY.PEEK[HEADER.FIELDS (From To)]<0.100> FLAGS)'])).toEqual([
      atom('1'),
      {
        type: 'list',
        items: [atom('UID'), atom('BODY.PEEK[HEADER.FIELDS (From To)]<0.100>'), atom('FLAGS')],
      },
    ]);
  });

  it('nests lists', () => {
    expect(tokenize(['(a (b c) "d")'])).toEqual([
      { type: 'list', items: [atom('a'), { type: 'list', items: [atom('b'), atom('c')] }, str('d')] },
    ]);
  });

  it('rejects malformed commands with the tag when known', () => {
    expect(() => parseCommand(['nospace'])).toThrow(ImapSyntaxError);
    expect(() => parseCommand(['+tag NOOP'])).toThrow(/tag/);
    try {
      parseCommand(['t1 LOGIN "unterminated']);
    } catch (error) {
      expect((error as ImapSyntaxError).tag).toBe('t1');
    }
    expect(() => tokenize(['(a b'])).toThrow(/missing "\)"/);
    expect(() => tokenize(['a)'])).toThrow(/unexpected/);
  });
});

describe('sequence sets', () => {
  const uids = [3, 5, 9, 10, 20];
  it('resolves sequence numbers and UIDs', () => {
    expect(resolveSet(parseSequenceSet('2:3,5'), uids, false)).toEqual([5, 9, 20]);
    expect(resolveSet(parseSequenceSet('*'), uids, false)).toEqual([20]);
    expect(resolveSet(parseSequenceSet('4:*'), uids, true)).toEqual([5, 9, 10, 20]);
    expect(resolveSet(parseSequenceSet('6:8'), uids, true)).toEqual([]);
  });

  it('includes the last message for n:* beyond it (Thunderbird asks UID n+1:*)', () => {
    expect(resolveSet(parseSequenceSet('21:*'), uids, true)).toEqual([20]);
  });

  it('treats * in an empty mailbox as nothing and rejects numbers past the end', () => {
    expect(resolveSet(parseSequenceSet('1:*'), [], false)).toEqual([]);
    expect(() => resolveSet(parseSequenceSet('6'), uids, false)).toThrow(ImapSyntaxError);
    expect(() => parseSequenceSet('0')).toThrow(ImapSyntaxError);
    expect(() => parseSequenceSet('1,,2')).toThrow(ImapSyntaxError);
  });

  it('formats compact sets', () => {
    expect(formatSet([1, 2, 3, 5, 7, 8])).toBe('1:3,5,7:8');
  });
});

describe('FETCH items', () => {
  it('expands macros', () => {
    expect(parseFetchItems(atom('FAST')).map((i) => i.type)).toEqual([
      'FLAGS',
      'INTERNALDATE',
      'RFC822.SIZE',
    ]);
  });

  it('parses sections, partials and PEEK', () => {
    const [item] = parseFetchItems(atom('BODY.PEEK[1.2.HEADER.FIELDS (From "x-spam")]<10.20>'));
    expect(item).toMatchObject({
      type: 'section',
      label: 'BODY[1.2.HEADER.FIELDS (FROM X-SPAM)]<10>',
      section: { path: [1, 2], kind: 'HEADER.FIELDS', fields: ['From', 'x-spam'] },
      partial: { start: 10, length: 20 },
      peek: true,
    });
    expect(parseFetchItems(atom('RFC822.HEADER'))[0]).toMatchObject({ label: 'RFC822.HEADER', peek: true });
    expect(parseFetchItems(atom('BODY[]'))[0]).toMatchObject({ label: 'BODY[]', peek: false });
    expect(parseSection('3.MIME')).toMatchObject({ path: [3], kind: 'MIME', fields: [] });
  });

  it('rejects unknown items and bad sections', () => {
    expect(() => parseFetchItems(atom('BODY[FOO]'))).toThrow(ImapSyntaxError);
    expect(() => parseFetchItems(atom('XYZZY'))).toThrow(ImapSyntaxError);
    expect(() => parseFetchItems(atom('BODY[MIME]'))).toThrow(/part number/);
    expect(() => parseFetchItems(atom('BODY[]<0.0>'))).toThrow(ImapSyntaxError);
  });
});

describe('response writer', () => {
  it('quotes 7-bit text and sends anything else as a literal', () => {
    const out = new ImapOut()
      .string('a "b"')
      .raw(' ')
      .nstring(undefined)
      .raw(' ')
      .string('Grüße')
      .raw(' ')
      .astring('INBOX');
    expect(out.toBuffer().toString()).toBe('"a \\"b\\"" NIL {7}\r\nGrüße INBOX');
    expect(new ImapOut().astring('My Folder').toBuffer().toString()).toBe('"My Folder"');
  });
});
