import { describe, expect, it } from 'vitest';
import { ReplyParser, ReplySyntaxError } from '../src/backend/reply-parser.js';
import { formatReply, reply } from '../src/reply.js';

describe('ReplyParser', () => {
  it('parses multi-line EHLO replies split across chunks', () => {
    const p = new ReplyParser();
    expect(p.push(Buffer.from('250-mx1\r\n250-PIPE'))).toEqual([]);
    const [r] = p.push(Buffer.from('LINING\r\n250 SIZE 100\r\n'));
    expect(r).toEqual({ code: 250, lines: ['mx1', 'PIPELINING', 'SIZE 100'] });
  });

  it('returns pipelined replies in order and splits enhanced status codes off', () => {
    const p = new ReplyParser();
    const replies = p.push(Buffer.from('250 2.1.0 Ok\r\n550 5.1.1 <x@y>: unknown\r\n354 End data\r\n'));
    expect(replies).toEqual([
      { code: 250, enhanced: '2.1.0', lines: ['Ok'] },
      { code: 550, enhanced: '5.1.1', lines: ['<x@y>: unknown'] },
      { code: 354, lines: ['End data'] },
    ]);
  });

  it("reads LMTP's one reply per recipient after the final dot", () => {
    const p = new ReplyParser();
    const replies = p.push(
      Buffer.from('250 2.0.0 <a@x> Saved\r\n452 4.2.2 <b@x> Quota exceeded\r\n550 5.1.1 <c@x> gone\r\n'),
    );
    expect(replies.map((r) => [r.code, r.enhanced])).toEqual([
      [250, '2.0.0'],
      [452, '4.2.2'],
      [550, '5.1.1'],
    ]);
  });

  it('keeps an enhanced-looking text whose class does not match the code', () => {
    const [r] = new ReplyParser().push(Buffer.from('250 5.0.0 odd\r\n'));
    expect(r).toEqual({ code: 250, lines: ['5.0.0 odd'] });
  });

  it('rejects garbage and code changes inside a reply', () => {
    expect(() => new ReplyParser().push(Buffer.from('hello\r\n'))).toThrow(ReplySyntaxError);
    expect(() => new ReplyParser().push(Buffer.from('250-a\r\n251 b\r\n'))).toThrow(ReplySyntaxError);
    expect(() => new ReplyParser().push(Buffer.from('2'.repeat(5000)))).toThrow(ReplySyntaxError);
  });

  it('round-trips what formatReply writes', () => {
    const r = reply(451, '4.3.0', 'first', 'second');
    expect(formatReply(r)).toBe('451-4.3.0 first\r\n451 4.3.0 second\r\n');
    expect(new ReplyParser().push(Buffer.from(formatReply(r)))).toEqual([r]);
    expect(formatReply(reply(250, undefined, 'a\r\nRCPT TO:<x>'))).toBe('250 a  RCPT TO:<x>\r\n');
  });
});
