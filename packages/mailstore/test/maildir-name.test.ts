import { describe, expect, it } from 'vitest';
import { keywordLetter, letterKeyword, parseKeywords, serializeKeywords } from '../src/maildir/keywords.js';
import { toCrlf, toUnixLineEnds } from '../src/maildir/maildir.js';
import {
  capitalizeFlag,
  flagsToLetters,
  formatMaildirName,
  lettersToFlags,
  newBaseName,
  parseMaildirName,
} from '../src/maildir/maildir-name.js';

describe('Maildir names', () => {
  it('makes unique base names with sizes and no ":" or "/"', () => {
    const names = new Set(Array.from({ length: 2000 }, () => newBaseName(10, 12, 1_700_000_000_000)));
    expect(names.size).toBe(2000);
    for (const name of names) {
      expect(name).toMatch(/^1700000000\.M\d+P\d+Q\d+R[0-9a-f]{8}\.[^/:]+,S=10,W=12$/);
    }
  });

  it('parses base, flags and sizes', () => {
    expect(parseMaildirName('1234.M1P2.host,S=100,W=104:2,SRa')).toEqual({
      base: '1234.M1P2.host,S=100,W=104',
      letters: 'RSa',
      size: 100,
      crlfSize: 104,
    });
    expect(parseMaildirName('1234.M1P2.host')).toEqual({
      base: '1234.M1P2.host',
      letters: '',
      size: undefined,
      crlfSize: undefined,
    });
    // Dovecot: after a comma in the info part come non-flag fields.
    expect(parseMaildirName('1.x:2,FS,extra').letters).toBe('FS');
    // An unknown info version carries no flags.
    expect(parseMaildirName('1.x:1,whatever').letters).toBe('');
  });

  it('formats sorted, de-duplicated flags', () => {
    expect(formatMaildirName('b', 'TSFS')).toBe('b:2,FST');
    expect(formatMaildirName('b', '')).toBe('b:2,');
  });

  it('maps IMAP flags to letters and back', () => {
    expect(flagsToLetters(['\\Seen', '\\answered', '\\Deleted', '\\Draft', '\\Flagged'])).toBe('DFRST');
    expect(lettersToFlags('DFPRST')).toEqual(['\\Draft', '\\Flagged', '\\Answered', '\\Seen', '\\Deleted']);
    expect(capitalizeFlag('\\SEEN')).toBe('\\Seen');
    expect(capitalizeFlag('$Junk')).toBe('$Junk');
  });

  it('maps keywords through dovecot-keywords letters', () => {
    const keywords = parseKeywords('0 $Junk\n1 $NonJunk\n');
    expect(keywords).toEqual(['$Junk', '$NonJunk']);
    expect(keywordLetter(keywords, '$nonjunk')).toBe('b');
    expect(letterKeyword(keywords, 'a')).toBe('$Junk');
    expect(flagsToLetters(['$NonJunk', '\\Seen', '$Unknown'], (k) => keywordLetter(keywords, k))).toBe('Sb');
    expect(lettersToFlags('Sab', (l) => letterKeyword(keywords, l))).toEqual(['\\Seen', '$Junk', '$NonJunk']);
    expect(serializeKeywords(['$Junk', undefined, '$Label1'])).toBe('0 $Junk\n2 $Label1\n');
  });
});

describe('line ends', () => {
  it('stores LF and knows the CRLF size', () => {
    const { data, crlfSize } = toUnixLineEnds(Buffer.from('a\r\nb\r\n\r\nc'));
    expect(data.toString()).toBe('a\nb\n\nc');
    expect(crlfSize).toBe(9);
    expect(toUnixLineEnds(Buffer.from('x\ny\n')).crlfSize).toBe(6);
  });

  it('serves CRLF, leaving existing CRLF alone', () => {
    expect(toCrlf(Buffer.from('a\nb\r\nc\n')).toString()).toBe('a\r\nb\r\nc\r\n');
    const crlf = Buffer.from('a\r\n');
    expect(toCrlf(crlf)).toBe(crlf);
  });
});
