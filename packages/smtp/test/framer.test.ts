import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CommandFramer, DataScanner, LINE_TOO_LONG } from '../src/server/framer.js';

function lines(framer: CommandFramer): (string | symbol)[] {
  const out: (string | symbol)[] = [];
  for (let l = framer.nextLine(); l !== undefined; l = framer.nextLine())
    out.push(l === LINE_TOO_LONG ? l : l.toString());
  return out;
}

describe('CommandFramer', () => {
  it('cuts CRLF (and bare LF) lines across chunks', () => {
    const f = new CommandFramer(100);
    f.push(Buffer.from('EHLO a\r\nMAIL FR'));
    expect(lines(f)).toEqual(['EHLO a']);
    f.push(Buffer.from('OM:<>\nNOOP\r'));
    expect(lines(f)).toEqual(['MAIL FROM:<>']);
    f.push(Buffer.from('\n'));
    expect(lines(f)).toEqual(['NOOP']);
  });

  it('reports an over-long line once and resynchronises at the next line', () => {
    const f = new CommandFramer(10);
    f.push(Buffer.from('x'.repeat(25)));
    expect(lines(f)).toEqual([LINE_TOO_LONG]);
    f.push(Buffer.from('y'.repeat(25)));
    expect(lines(f)).toEqual([]);
    f.push(Buffer.from('zz\r\nNOOP\r\n'));
    expect(lines(f)).toEqual(['NOOP']);
    f.push(Buffer.from(`${'a'.repeat(11)}\r\nQUIT\r\n`));
    expect(lines(f)).toEqual([LINE_TOO_LONG, 'QUIT']);
  });

  it('hands buffered bytes over (the start of a message) and clears', () => {
    const f = new CommandFramer(100);
    f.push(Buffer.from('DATA\r\nSubject: x\r\n'));
    expect(lines(f)).toEqual(['DATA', 'Subject: x']);
    f.push(Buffer.from('Body'));
    expect(f.takeRest()?.toString()).toBe('Body');
    expect(f.buffered).toBe(0);
  });
});

describe('DataScanner', () => {
  it('finds the end of the message, also right at the start', () => {
    const s = new DataScanner();
    expect(s.feed(Buffer.from('.\r\nNOOP'))).toBe(3);
    s.reset();
    expect(s.feed(Buffer.from('a\r\n..b\r\n.\r\nNEXT'))).toBe(11);
  });

  it('does not end at a stuffed dot or a dot inside a line', () => {
    const s = new DataScanner();
    expect(s.feed(Buffer.from('a.\r\n..\r\nx.\r\n\r\n.x\r\n'))).toBe(-1);
  });

  it('finds the end wherever the chunks split (property)', () => {
    const body = fc
      .array(fc.constantFrom('a', '.', '\r\n', '..', ' ', '\r', '\n'), { maxLength: 40 })
      .map((p) => p.join(''));
    fc.assert(
      fc.property(body, fc.array(fc.nat(60), { maxLength: 6 }), (text, cuts) => {
        // A body that is a valid message: every line ends in CRLF and no line is a lone dot.
        const message = `${text.replace(/\r(?!\n)/g, '').replace(/(?<!\r)\n/g, '\r\n')}\r\n`.replace(
          /(^|\r\n)\.(?=\r\n)/g,
          '$1..',
        );
        const wire = Buffer.from(`${message}.\r\nTAIL`);
        const expected = wire.length - 4;
        const points = [...new Set(cuts.map((c) => c % wire.length))].sort((a, b) => a - b);
        const s = new DataScanner();
        let offset = 0;
        let found = -1;
        for (const end of [...points, wire.length]) {
          if (end <= offset) continue;
          const at = s.feed(wire.subarray(offset, end));
          if (at >= 0) {
            found = offset + at;
            break;
          }
          offset = end;
        }
        expect(found).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });
});
