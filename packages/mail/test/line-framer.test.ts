import { describe, expect, it } from 'vitest';
import { LINE_TOO_LONG, LineFramer } from '../src/protocol/line-framer.js';

describe('LineFramer', () => {
  it('cuts CRLF and bare LF lines across chunks', () => {
    const f = new LineFramer(100);
    f.push(Buffer.from('a1 NOOP\r\na2 CA'));
    expect(f.nextLine()?.toString()).toBe('a1 NOOP');
    expect(f.nextLine()).toBeUndefined();
    f.push(Buffer.from('PABILITY\nrest'));
    expect(f.nextLine()?.toString()).toBe('a2 CAPABILITY');
    expect(f.drain().toString()).toBe('rest');
    expect(f.buffered).toBe(0);
  });

  it('takes literal bytes exactly', () => {
    const f = new LineFramer(100);
    f.push(Buffer.from('ab'));
    expect(f.take(3)).toBeUndefined();
    f.push(Buffer.from('c\r\nnext\r\n'));
    expect(f.take(3)?.toString()).toBe('abc');
    expect(f.nextLine()?.toString()).toBe('');
    expect(f.nextLine()?.toString()).toBe('next');
  });

  it('reports a line over the limit as soon as it passes it', () => {
    const f = new LineFramer(1024);
    for (let i = 0; i < 99; i++) {
      f.push(Buffer.alloc(1024, 0x61));
      const r = f.nextLine();
      if (r === LINE_TOO_LONG) {
        expect(f.buffered).toBeLessThanOrEqual(2048);
        return;
      }
    }
    expect.unreachable();
  });

  it('reports a complete line over the limit', () => {
    const f = new LineFramer(10);
    f.push(Buffer.from('0123456789abc\r\n'));
    expect(f.nextLine()).toBe(LINE_TOO_LONG);
  });

  it('accepts a line of exactly the limit', () => {
    const f = new LineFramer(10);
    f.push(Buffer.from('0123456789\r\n'));
    expect(f.nextLine()?.toString()).toBe('0123456789');
  });
});
